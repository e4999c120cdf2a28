using PgArk.Core.Configuration;

namespace PgArk.Tests.Configuration;

public class WebhookRedactionTests
{
    [Theory]
    [InlineData("https://ops:s3cr3t-token@hooks.example.com/services/T0/B0/XYZ", "https://***@hooks.example.com/...")]
    [InlineData("https://token@hooks.example.com:8443/x?key=abc", "https://***@hooks.example.com:8443/...")]
    [InlineData("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/...")]
    public void RedactedUrl_UserInfoPathAndQuery_NeverShown(string url, string expected)
    {
        var webhook = new WebhookOptions(new Uri(url), true, false, new Dictionary<string, string>(), null);

        Assert.Equal(expected, webhook.RedactedUrl);
        Assert.DoesNotContain("s3cr3t", webhook.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("token@", webhook.ToString(), StringComparison.Ordinal);
    }
}
