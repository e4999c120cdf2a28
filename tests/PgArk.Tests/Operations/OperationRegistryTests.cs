using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Operations;

public class OperationRegistryTests
{
    private static readonly OperationContext s_context = new(ConfigLoader.Parse("""
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        servers:
          - name: pg1
            connection: "Host=/nonexistent;Username=postgres"
            pgdata: /var/lib/postgresql/15/main
        """, "/etc/pgark/pgark.yaml", _ => null), selfCommand: "pgark");

    /// <summary>A context whose configuration names one unreachable server (for tests that never touch PostgreSQL).</summary>
    internal static OperationContext OfflineContext => s_context;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static Task<(RegisteredOperation Operation, object Arguments)> PrepareAsync(string tool, string arguments) =>
        OperationRegistry.Default.PrepareAsync(s_context, tool, Json(arguments), CancellationToken.None);

    [Fact]
    public async Task RestoreDatabase_Seed000Contract_BindsAndNeedsConfirmation()
    {
        var operation = OperationRegistry.Default.Get("restore_database");
        Assert.True(operation.Destructive);
        Assert.True(operation.LongRunning);
        Assert.Equal(OperationRole.Admin, operation.Role);
        Assert.Equal(["server", "database", "target_time", "target", "into", "replace", "dry_run", "jobs"], operation.ArgumentNames);

        var (_, arguments) = await PrepareAsync("restore_database",
            """{"server": "pg1", "database": "customer_db", "target_time": "2026-11-21T10:30:00+01:00", "replace": true, "confirm": true}""");
        Assert.Equal(new RestoreDatabaseInput("pg1", "customer_db", "2026-11-21T10:30:00+01:00", Replace: true, Confirm: true), arguments);

        var refused = await Assert.ThrowsAsync<ConfirmationRequiredException>(() =>
            PrepareAsync("restore_database", """{"server": "pg1", "database": "customer_db", "target": "latest"}"""));
        Assert.Equal("'restore_database' is destructive and needs confirmation", refused.Message);
    }

    [Fact]
    public async Task RestoreTable_BindsTablesAndNeedsConfirmation()
    {
        var operation = OperationRegistry.Default.Get("restore_table");
        Assert.True(operation.Destructive);
        Assert.Equal(OperationRole.Admin, operation.Role);
        Assert.Equal(["server", "database", "tables", "target_time", "target", "into", "replace", "dry_run"], operation.ArgumentNames);

        var (_, arguments) = await PrepareAsync("restore_table",
            """{"server": "pg1", "database": "customer_db", "tables": ["orders", "Sales.Quarter Totals"], "target_time": "2026-11-21T10:30:00Z", "confirm": true}""");
        var input = Assert.IsType<RestoreTableInput>(arguments);
        Assert.Equal(["orders", "Sales.Quarter Totals"], input.Tables);
        Assert.Equal(("pg1", "customer_db", "2026-11-21T10:30:00Z", false, true), (input.Server, input.Database, input.TargetTime, input.Replace, input.Confirm));

        var refused = await Assert.ThrowsAsync<ConfirmationRequiredException>(() =>
            PrepareAsync("restore_table", """{"server": "pg1", "database": "customer_db", "tables": ["orders"], "target": "latest"}"""));
        Assert.Equal("'restore_table' is destructive and needs confirmation", refused.Message);
    }

    [Fact]
    public void Default_HoldsEveryRegisteredOperationOfCoreOnce_NotTheCliOnlyOnes()
    {
        // Walks Core's operation types (no list of names): each registers itself unless it declares otherwise.
        var declared = typeof(OperationRegistry).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IOperation).IsAssignableFrom(t))
            .Select(t => (IOperation)t.GetConstructors()[0].Invoke(t.GetConstructors()[0].GetParameters().Select(p => p.DefaultValue).ToArray()))
            .ToList();
        var names = OperationRegistry.Default.Operations.Select(o => o.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var operation in declared)
        {
            var registered = operation.GetType().GetProperty("Registered")!.GetValue(operation) is true;
            Assert.Equal(registered, names.Contains(operation.Name));
            Assert.Matches("^[a-z]+(_[a-z]+)*$", operation.Name);
        }
        Assert.DoesNotContain("archive_push", names);
        Assert.True(OperationRegistry.Default.Get("expire").Destructive);
        Assert.True(OperationRegistry.Default.Get("restore").Destructive);
        Assert.Equal(OperationRole.Admin, OperationRegistry.Default.Get("restore").Role);
        Assert.True(OperationRegistry.Default.Get("health").ReadOnly);
    }

    [Fact]
    public void Schema_Backup_SnakeCaseRequiredAndEnum()
    {
        var schema = OperationRegistry.Default.Get("backup").InputSchema;
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        var properties = (JsonObject)schema["properties"]!;
        Assert.Equal(["server", "type", "label", "jobs", "archive_timeout_seconds", "checksum_all", "repository"], properties.Select(p => p.Key));
        Assert.Equal(["server"], ((JsonArray)schema["required"]!).Select(n => n!.GetValue<string>()));
        Assert.Equal(["full", "diff", "incr"], ((JsonArray)properties["type"]!["enum"]!).Select(n => n!.GetValue<string>()));
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public void Schema_Destructive_RequiresConfirm()
    {
        var schema = OperationRegistry.Default.Get("restore").InputSchema;
        Assert.Equal("boolean", schema["properties"]!["confirm"]!["type"]!.GetValue<string>());
        Assert.Contains("confirm", ((JsonArray)schema["required"]!).Select(n => n!.GetValue<string>()));
        Assert.Contains("pgdata", ((JsonArray)schema["required"]!).Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Schema_EveryOperation_IsAnObjectSchema()
    {
        foreach (var operation in OperationRegistry.Default.Operations)
        {
            Assert.Equal("object", operation.InputSchema["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Prepare_Backup_BindsSnakeCase()
    {
        var (operation, arguments) = await PrepareAsync("backup", """{"server":"pg1","type":"diff","label":"nightly","archive_timeout_seconds":30}""");
        Assert.Equal("backup", operation.Name);
        Assert.Equal(new BackupInput("pg1", BackupType.Diff, "nightly", 0, 30), arguments);
    }

    [Fact]
    public async Task VerifyRestore_SandboxDir_OnlyForTheCommandLine()
    {
        var operation = OperationRegistry.Default.Get("verify_restore");
        Assert.DoesNotContain("sandbox_dir", operation.ArgumentNames);
        Assert.Null(operation.InputSchema["properties"]!["sandbox_dir"]);
        Assert.NotNull(operation.LocalInputSchema["properties"]!["sandbox_dir"]);

        var (_, local) = await PrepareAsync("verify_restore", """{"server":"pg1","backup_id":"20261121-103000F","sandbox_dir":"/srv/sandboxes"}""");
        Assert.Equal(new VerifyRestoreInput("pg1", "20261121-103000F", "/srv/sandboxes"), local);

        var e = await Assert.ThrowsAsync<UsageException>(() => OperationRegistry.Default.PrepareAsync(s_context.For(OperationCaller.Remote),
            "verify_restore", Json("""{"server":"pg1","sandbox_dir":"/etc"}"""), CancellationToken.None));
        Assert.StartsWith("unknown argument 'sandbox_dir' for 'verify_restore'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_TriggerIncrementalBackup_IsBackupTypeIncr_DbNameDroppedWhenServerGiven()
    {
        var (operation, arguments) = await PrepareAsync("trigger_incremental_backup", """{"db_name":"analytics_db","server":"pg1"}""");
        Assert.Equal("backup", operation.Name);
        Assert.Equal(new BackupInput("pg1", BackupType.Incr), arguments);
    }

    [Fact]
    public async Task Prepare_TriggerFullBackup_IsBackupTypeFull()
    {
        var (_, arguments) = await PrepareAsync("trigger_full_backup", """{"server":"pg1"}""");
        Assert.Equal(BackupType.Full, ((BackupInput)arguments).Type);
    }

    [Fact]
    public async Task Prepare_TriggerFullBackup_ConflictingType_Usage()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("trigger_full_backup", """{"server":"pg1","type":"incr"}"""));
        Assert.Equal("'trigger_full_backup' always takes a full backup; use 'backup' for type 'incr'", e.Message);
    }

    [Fact]
    public async Task Prepare_ListBackups_DbNameBecomesDatabase()
    {
        var (_, arguments) = await PrepareAsync("list_backups", """{"db_name":"analytics_db","server":"pg1","limit":5}""");
        Assert.Equal(new ListBackupsInput("pg1", "analytics_db", 5), arguments);
    }

    [Fact]
    public async Task Prepare_DbNameAndDatabase_Usage()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("list_backups", """{"db_name":"a","database":"b"}"""));
        Assert.Equal("give either 'db_name' or 'database', not both", e.Message);
    }

    [Fact]
    public async Task Prepare_MissingArgument_NamesIt()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("verify", "{}"));
        Assert.Equal("missing required argument 'server' for 'verify'", e.Message);
    }

    [Fact]
    public async Task Prepare_WrongType_NamesArgumentAndType()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("list_backups", """{"limit":"five"}"""));
        Assert.Equal("argument 'limit' of 'list_backups' has the wrong type: expected integer or null", e.Message);
    }

    [Fact]
    public async Task Prepare_BadEnum_ListsValues()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("backup", """{"server":"pg1","type":"weekly"}"""));
        Assert.Equal("argument 'type' of 'backup' has the wrong type: expected one of \"full\", \"diff\", \"incr\"", e.Message);
    }

    [Fact]
    public async Task Prepare_UnknownArgument_Usage()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("health", """{"verbose":true}"""));
        Assert.Equal("unknown argument 'verbose' for 'health'", e.Message);
    }

    [Fact]
    public async Task Prepare_ArgumentsNotObject_Usage()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("health", "[1]"));
        Assert.Equal("'arguments' must be a JSON object, not array", e.Message);
    }

    [Fact]
    public async Task Prepare_UnknownTool_NotFound()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => PrepareAsync("drop_everything", "{}"));
        Assert.Equal("unknown tool 'drop_everything'", e.Message);
    }

    [Theory]
    [InlineData("""{"server":"pg1","pgdata":"/tmp/x"}""")]
    [InlineData("""{"server":"pg1","pgdata":"/tmp/x","confirm":false}""")]
    public async Task Prepare_DestructiveWithoutConfirm_Refused(string arguments)
    {
        var e = await Assert.ThrowsAsync<ConfirmationRequiredException>(() => PrepareAsync("restore", arguments));
        Assert.Equal("'restore' is destructive and needs confirmation", e.Message);
        Assert.Equal(4, e.ExitCode);
    }

    [Fact]
    public async Task Prepare_DryRunOfDestructive_NeedsNoConfirm_ButTheRealRunDoes()
    {
        var (_, arguments) = await PrepareAsync("restore_database", """{"server":"pg1","database":"sales_db","target":"latest","dry_run":true}""");
        Assert.True(((RestoreDatabaseInput)arguments).DryRun);
        Assert.DoesNotContain("confirm", ((JsonArray)OperationRegistry.Default.Get("restore_database").InputSchema["required"]!)
            .Select(n => n!.GetValue<string>()));
        var refused = await Assert.ThrowsAsync<ConfirmationRequiredException>(() =>
            PrepareAsync("restore_database", """{"server":"pg1","database":"sales_db","target":"latest","dry_run":false}"""));
        Assert.Equal(4, refused.ExitCode);
    }

    [Theory]
    [InlineData("expire", """{"server":"pg1"}""")]
    [InlineData("expire_dumps", """{"server":"pg1","keep":2}""")]
    public async Task Prepare_Retention_IsRoutine_NeedsNoConfirm_StaysDestructive(string tool, string arguments)
    {
        var (operation, bound) = await PrepareAsync(tool, arguments);
        Assert.True(operation.Destructive);
        Assert.False(operation.NeedsConfirmation(bound));
    }

    [Fact]
    public async Task Prepare_DestructiveWithConfirm_Binds()
    {
        var (_, arguments) = await PrepareAsync("restore", """{"server":"pg1","pgdata":"/tmp/x","target_time":"2026-11-21T10:30:00Z","confirm":true}""");
        var input = ((RestoreArguments)arguments).ToInput();
        Assert.Equal(PgArk.Core.Restore.RestoreTargetKind.Time, input.Target.Kind);
        Assert.Equal("/tmp/x", input.DataDirectory);
    }

    [Fact]
    public async Task Prepare_OperationWithItsOwnConfirm_ReceivesIt()
    {
        var (_, arguments) = await PrepareAsync("delete_dump", """{"server":"pg1","dump":"20261121-103000F","confirm":true}""");
        Assert.Equal(new DeleteDumpInput("pg1", "20261121-103000F", Confirm: true), arguments);
        await Assert.ThrowsAsync<ConfirmationRequiredException>(() => PrepareAsync("delete_dump", """{"server":"pg1","dump":"x"}"""));
    }

    [Fact]
    public async Task Prepare_ConfirmNotBoolean_Usage()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => PrepareAsync("restore", """{"server":"pg1","pgdata":"/x","confirm":"yes"}"""));
        Assert.Equal("argument 'confirm' must be true or false", e.Message);
    }

    [Fact]
    public void ToJson_SnakeCaseAndEnumStrings()
    {
        var json = ArgumentBinder.ToJson(new BackupInput("pg1", BackupType.Incr, "it's", ArchiveTimeoutSeconds: 5))!
            .ToJsonString(ArgumentBinder.Options);
        Assert.Equal("""{"server":"pg1","type":"incr","label":"it's","jobs":0,"archive_timeout_seconds":5,"checksum_all":false,"repository":null}""", json);
    }
}
