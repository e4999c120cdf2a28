using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.Tests.Server;

public class ApiHostOptionsTests
{
    private const string Base = """
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        servers:
          - name: pg1
            connection: "Host=/tmp"
            pgdata: /var/lib/postgresql/15/main

        """;

    private static OperationContext Context(bool withKey) => new(ConfigLoader.Parse(
        withKey ? Base + $"api:\n  keys:\n    - {{ name: ops, sha256: \"{new string('a', 64)}\", role: operator }}\n" : Base,
        "/etc/pgark/pgark.yaml", _ => null), selfCommand: "pgark");

    [Theory]
    [InlineData("http://127.0.0.1:8001")]
    [InlineData("http://localhost:8001")]
    [InlineData("http://[::1]:8001")]
    public void Validate_Loopback_WithKeys_Accepted(string url)
    {
        new ApiHostOptions(Context(withKey: true), url).Validate();
    }

    [Theory]
    [InlineData("http://0.0.0.0:8001", "0.0.0.0")]
    [InlineData("http://192.168.1.10:8001", "192.168.1.10")]
    public void Validate_NonLoopback_RefusedWithoutAllowRemote(string url, string host)
    {
        var e = Assert.Throws<RefusedException>(() => new ApiHostOptions(Context(withKey: true), url).Validate());
        Assert.Equal($"refusing to listen on non-loopback address '{host}'", e.Message);
        new ApiHostOptions(Context(withKey: true), url, AllowRemote: true).Validate();
    }

    [Fact]
    public void Validate_NoKeys_RefusedUnlessNoAuth()
    {
        var e = Assert.Throws<RefusedException>(() => new ApiHostOptions(Context(withKey: false), ApiHostOptions.DefaultUrl).Validate());
        Assert.Equal("no API keys are configured: every call would be refused", e.Message);
        new ApiHostOptions(Context(withKey: false), ApiHostOptions.DefaultUrl, NoAuth: true).Validate();
    }

    [Fact]
    public void Validate_NoAuthOnRemoteAddress_Refused()
    {
        var e = Assert.Throws<RefusedException>(() =>
            new ApiHostOptions(Context(withKey: false), "http://0.0.0.0:8001", NoAuth: true, AllowRemote: true).Validate());
        Assert.Equal("--no-auth is allowed only on a loopback address ('http://0.0.0.0:8001' is not one)", e.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8001;http://0.0.0.0:8001", "http://0.0.0.0:8001")]
    [InlineData("http://localhost:8001; http://192.168.1.10:8001", "http://192.168.1.10:8001")]
    public void Validate_NoAuthWithOneRemoteEntryInList_Refused(string urls, string remote)
    {
        var e = Assert.Throws<RefusedException>(() => new ApiHostOptions(Context(withKey: false), urls, NoAuth: true, AllowRemote: true).Validate());
        Assert.Equal($"--no-auth is allowed only on a loopback address ('{remote}' is not one)", e.Message);
        var remoteHost = new Uri(remote).Host;
        var notAllowed = Assert.Throws<RefusedException>(() => new ApiHostOptions(Context(withKey: true), urls).Validate());
        Assert.Equal($"refusing to listen on non-loopback address '{remoteHost}'", notAllowed.Message);
    }

    [Fact]
    public void Validate_SecondEntryNotAUrl_Usage()
    {
        var e = Assert.Throws<UsageException>(() => new ApiHostOptions(Context(withKey: true), "http://127.0.0.1:8001;127.0.0.1:8002").Validate());
        Assert.Equal("'127.0.0.1:8002' is not an http:// or https:// URL", e.Message);
    }

    [Fact]
    public void Validate_NotAUrl_Usage()
    {
        var e = Assert.Throws<UsageException>(() => new ApiHostOptions(Context(withKey: true), "127.0.0.1:8001").Validate());
        Assert.Equal("'127.0.0.1:8001' is not an http:// or https:// URL", e.Message);
    }

    [Fact]
    public void ApiKeys_CreateHashFind_RoundTrip()
    {
        var (key, sha256) = ApiKeys.Create();
        var (other, _) = ApiKeys.Create();
        Assert.StartsWith("pgark_", key, StringComparison.Ordinal);
        Assert.NotEqual(key, other);
        Assert.Equal(sha256, ApiKeys.Hash(key));
        Assert.Matches("^[0-9a-f]{64}$", sha256);
        var keys = new[] { new ApiKeyOptions("a", ApiKeys.Hash(other), OperationRole.Viewer), new ApiKeyOptions("b", sha256, OperationRole.Admin) };
        Assert.Equal("b", ApiKeys.Find(keys, key)?.Name);
        Assert.Null(ApiKeys.Find(keys, key + "x"));
    }
}
