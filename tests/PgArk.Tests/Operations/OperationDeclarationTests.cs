using System.Text.Json.Nodes;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Operations;

/// <summary>
/// What each operation declares about itself, checked by walking the registry: no list of operation names here, so a new
/// operation is held to the same rules the moment it is registered.
/// </summary>
public class OperationDeclarationTests
{
    public static TheoryData<string> Operations() => new(OperationRegistry.Default.Operations.Select(o => o.Name));

    [Theory]
    [MemberData(nameof(Operations))]
    public void EveryArgument_HasADescription(string name)
    {
        var properties = (JsonObject)OperationRegistry.Default.Get(name).InputSchema["properties"]!;
        foreach (var (argument, schema) in properties)
        {
            var description = schema?["description"]?.GetValue<string>();
            Assert.False(string.IsNullOrWhiteSpace(description), $"{name}.{argument} has no description");
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void AnOperationTakingAServer_RecordsIt(string name)
    {
        var operation = OperationRegistry.Default.Get(name);
        if (operation.ArgumentNames.Contains(OperationRegistry.ServerArgument))
        {
            Assert.True(typeof(IServerInput).IsAssignableFrom(operation.ArgumentsType),
                $"{name}'s arguments name a server but do not declare it (IServerInput), so its runs would have no history");
        }
        if (operation.ArgumentNames.Contains("dry_run"))
        {
            Assert.True(typeof(IDryRunInput).IsAssignableFrom(operation.ArgumentsType), $"{name} has dry_run but does not declare IDryRunInput");
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void DestructiveOperations_NeedConfirm_AndRoutesNameArguments(string name)
    {
        var operation = OperationRegistry.Default.Get(name);
        var required = ((JsonArray?)operation.InputSchema["required"])?.Select(r => r!.GetValue<string>()).ToList() ?? [];
        if (operation.Destructive)
        {
            // confirm is always offered; it is required unless some runs need none (a dry run, a routine run).
            Assert.NotNull(operation.InputSchema["properties"]![OperationRegistry.ConfirmArgument]);
            Assert.Equal(!operation.ConfirmationDependsOnInput, required.Contains(OperationRegistry.ConfirmArgument));
        }
        foreach (var parameter in operation.Route?.Parameters ?? [])
        {
            Assert.Contains(parameter, operation.ArgumentNames);
        }
    }

    [Fact]
    public void Routes_AreUniquePerMethodAndPattern()
    {
        var routes = OperationRegistry.Default.Operations.Where(o => o.Route is not null).Select(o => $"{o.Route!.Method} {o.Route.Pattern}").ToList();
        Assert.Equal(routes.Count, routes.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void DeleteBackupAndRestoreDatabase_RecordTheirServer_RestoreDatabaseDryRunIsNotRecorded()
    {
        var delete = new DeleteBackupOperation().Facts(new DeleteBackupInput("pg1", "20261121-103000F", Confirm: true), null);
        Assert.Equal("pg1", delete.Server);
        Assert.Equal("20261121-103000F", delete.BackupId);
        var restore = new RestoreDatabaseOperation();
        Assert.Equal("pg1", restore.Facts(new RestoreDatabaseInput("pg1", "sales_db", Target: "latest", Confirm: true), null).Server);
        Assert.Equal("sales_db", restore.Facts(new RestoreDatabaseInput("pg1", "sales_db", Target: "latest", Confirm: true), null).Database);
        Assert.True(restore.IsDryRun(new RestoreDatabaseInput("pg1", "sales_db", Target: "latest", DryRun: true)));
        Assert.False(restore.IsDryRun(new RestoreDatabaseInput("pg1", "sales_db", Target: "latest", Confirm: true)));
    }

    [Fact]
    public void DumpRestore_MismatchedCounts_FailTheVerdict()
    {
        var operation = new DumpRestoreOperation();
        var good = new DumpRestoreResult("20261121-103000L", "app", "app", false, [new RowCountCheck("public.t", 3, 3)], 1.0);
        Assert.False(operation.Verdict(good).Failed);
        var bad = good with { RowCounts = [new RowCountCheck("public.t", 3, 2)] };
        var verdict = operation.Verdict(bad);
        Assert.Equal(ErrorKind.Integrity, verdict.Kind);
        Assert.Equal("row counts in 'app' differ from the dump's for public.t", verdict.Failure);
        Assert.True(OperationRegistry.Default.Get("dump_restore").VerdictOf(bad).Failed);
    }
}
