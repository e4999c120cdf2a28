using PgArk.Core.Stores;
using PgArk.Core.Stores.Neo4j;
using PgArk.Core.Stores.Qdrant;
using PgArk.Tests.Configuration;

namespace PgArk.Tests.Stores;

public sealed class StoreConfigTests
{
    private const string Base = """
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        servers:
          - name: pg1
            connection: "Host=/nonexistent;Username=postgres"
            pgdata: /var/lib/postgresql/15/main
        """;

    [Fact]
    public void Stores_QdrantAndNeo4j_AreParsed()
    {
        var options = ConfigText.Parse(Base + """

            stores:
              - name: vectors
                type: qdrant
                url: http://qdrant:6333
                apiKeyEnv: QDRANT_API_KEY
                collections: all
                retention: { keep: 7, days: 30 }
                schedule: "0 2 * * *"
              - name: graph
                type: neo4j
                databases: [neo4j, movies]
                adminCommand: /opt/neo4j/bin/neo4j-admin
                version: 4
                home: /var/lib/neo4j
                config: /etc/neo4j
                httpUrl: http://neo4j:7474
                passwordEnv: NEO4J_PASSWORD
            """);

        var qdrant = Assert.IsType<QdrantStoreOptions>(options.GetStore("vectors"));
        Assert.Equal(("local", "http://qdrant:6333/", 0, false, "QDRANT_API_KEY"),
            (qdrant.Repository, qdrant.Url.ToString(), qdrant.Collections.Count, qdrant.FullStorage, qdrant.ApiKey!.Environment));
        Assert.Equal(new StoreRetentionOptions(7, 30), qdrant.Retention);
        Assert.NotNull(qdrant.Schedule);
        var neo4j = Assert.IsType<Neo4jStoreOptions>(options.GetStore("graph"));
        Assert.Equal(["neo4j", "movies"], neo4j.Databases);
        Assert.Equal((Neo4jAdminSyntax.V4, "/var/lib/neo4j", "/etc/neo4j", "neo4j"), (neo4j.Syntax, neo4j.Home, neo4j.ConfigFolder, neo4j.Username));
    }

    [Fact]
    public void Stores_Problems_AreReportedWithTheirPaths()
    {
        var message = ConfigText.ParseError(Base + """

            stores:
              - name: vectors
                type: qdrant
                url: ftp://qdrant
                collections: [docs]
                fullStorage: true
              - name: graph
                type: neo4j
                version: 3
                repository: elsewhere
                password: x
              - name: other
                type: redis
            """);

        Assert.Equal(ConfigText.Invalid(
            "stores[0].url: not an http:// or https:// URL without credentials (put secrets in apiKey/password keys)",
            "stores[0].collections: a full-storage snapshot covers every collection: set either collections or fullStorage",
            "stores[1].repository: repository 'elsewhere' is not configured (configured: local)",
            "stores[1].version: '3' is not a supported neo4j-admin syntax (5 or 4)",
            "stores[1].httpUrl: required when a password is set (the password is for the HTTP API)",
            "stores[2].type: 'redis' is not a store type (qdrant or neo4j)"), message);
    }

    [Fact]
    public void BackupSet_IsParsed_AndUnknownMembersAreReported()
    {
        const string stores = """

            stores:
              - name: vectors
                type: qdrant
                url: http://qdrant:6333
            """;
        var options = ConfigText.Parse(Base + stores + """

            backupSet:
              schedule: "0 2 * * *"
              type: full
              servers: all
              stores: [vectors]
            """);
        Assert.Equal(("0 2 * * *", PgArk.Core.Catalog.BackupType.Full, null, "vectors"),
            (options.BackupSet!.Schedule.Text, options.BackupSet.Type, options.BackupSet.Servers, options.BackupSet.Stores!.Single()));

        var message = ConfigText.ParseError(Base + stores + """

            backupSet:
              servers: [pg9]
            """);
        Assert.Equal(ConfigText.Invalid("backupSet.schedule: required", "backupSet.servers[0]: server 'pg9' is not configured"), message);
    }

    [Fact]
    public void StoreRetention_KeepsNewest_ByCountAndAge()
    {
        var now = DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var backups = Enumerable.Range(0, 5).Select(i => Manifest(now.AddDays(-10 * i))).OrderBy(b => b.Id, StringComparer.Ordinal).ToList();

        Assert.Equal([backups[0].Id], StoreRetention.Plan(backups, new StoreRetentionOptions(null, 30), now));
        Assert.Equal([backups[0].Id, backups[1].Id, backups[2].Id], StoreRetention.Plan(backups, new StoreRetentionOptions(2, null), now));
        Assert.Empty(StoreRetention.Plan(backups, StoreRetentionOptions.KeepAll, now));
        Assert.Empty(StoreRetention.Plan([backups[0]], new StoreRetentionOptions(null, 1), now));
    }

    [Fact]
    public void NewStoreBackupId_SortsAfterEveryExistingId_SameSecondOrClockBack_TakesTheSecondAfterTheNewest()
    {
        var now = new DateTimeOffset(2026, 12, 4, 2, 0, 0, TimeSpan.Zero);

        Assert.Equal("20261204-020000S", StoreBackupId.NewAfter(now, []).Value);
        Assert.Equal("20261204-020000S", StoreBackupId.NewAfter(now, ["20261204-015959S"]).Value);
        Assert.Equal("20261204-020001S", StoreBackupId.NewAfter(now, ["20261204-020000S", "20261203-020000S"]).Value);
        // The clock went back an hour: the new backup still sorts last, one second after the newest.
        Assert.Equal("20261204-030001S", StoreBackupId.NewAfter(now, ["20261204-030000S"]).Value);
    }

    private static StoreBackupManifest Manifest(DateTimeOffset time) => new()
    {
        Id = StoreBackupId.ForTime(time).Value, Store = "vectors", Kind = StoreKind.Qdrant, StartTime = time,
        Compression = PgArk.Core.Codecs.CompressionType.None, Items = [],
    };
}
