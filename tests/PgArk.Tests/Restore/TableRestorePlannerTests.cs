using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

/// <summary>Table-level restore planning: request checks, the names of restored tables and their dependents, and the steps.</summary>
public class TableRestorePlannerTests
{
    private static readonly DateTimeOffset s_target = new(2026, 11, 21, 10, 30, 0, TimeSpan.Zero);

    private static DatabaseRestorePlan Recovery(DateTimeOffset? target) => new("pg1", "customer_db", "customer_db", "time", target, [],
        [new PlannedBackup("20261121-000000F", "full", s_target.AddHours(-1), "0/3000100")], 1, "000000010000000000000003", "000000010000000000000005", 3,
        "repository 'local'", s_target.AddHours(-1), s_target.AddHours(1), 1000, "", "20261121113000", []);

    private static TableRestoreRequest Request(string? into = null, bool replace = false, params string[] tables) =>
        new("customer_db", tables.Length == 0 ? ["orders"] : tables, RestoreTarget.AtTime(s_target), into, replace);

    [Fact]
    public void Plan_Into_DefaultNameCarriesTheTargetTime()
    {
        var plan = TableRestorePlanner.Plan(Recovery(s_target), Request(),
            [new LiveTable("orders", new TableName("public", "orders"), [])], "pgark_restore_x");

        var table = Assert.Single(plan.Tables);
        Assert.Equal(("public", "orders", "orders_restored_20261121103000", true), (table.Schema, table.Name, table.Into, table.LiveExists));
        Assert.Equal("20261121103000", plan.NameStamp);
        Assert.Contains(plan.Steps, s => s.StartsWith("rename the restored public.orders to public.orders_restored_20261121103000", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Replace_ListsTheDependentForeignKeysInTheSwapStep()
    {
        var key = new DependentForeignKey("public.order_items", "order_items_order_id_fkey", "FOREIGN KEY (order_id) REFERENCES public.orders(order_id)");
        var plan = TableRestorePlanner.Plan(Recovery(s_target), Request(replace: true),
            [new LiveTable("orders", new TableName("public", "orders"), [key])], "pgark_restore_x");

        Assert.Equal("orders", plan.Tables[0].Into);
        Assert.Null(plan.NameStamp);
        Assert.Equal([key], plan.Tables[0].DependentKeys);
        Assert.Contains(plan.Steps, s => s.Contains("drop the foreign keys that reference them (order_items_order_id_fkey on public.order_items)", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_TableNotOnTheLiveServer_TakesTheSchemaFromTheName()
    {
        var plan = TableRestorePlanner.Plan(Recovery(s_target), Request(tables: "Sales.Quarter Totals"),
            [new LiveTable("Sales.Quarter Totals", null, [])], "pgark_restore_x");

        Assert.Equal(("Sales", "Quarter Totals", "Quarter Totals_restored_20261121103000", false),
            (plan.Tables[0].Schema, plan.Tables[0].Name, plan.Tables[0].Into, plan.Tables[0].LiveExists));
    }

    [Theory]
    [InlineData("orders_pkey", "orders", "orders_restored_1", "orders_restored_1_pkey")]
    [InlineData("orders_order_id_seq", "orders", "orders_restored_1", "orders_restored_1_order_id_seq")]
    [InlineData("idx_by_customer", "orders", "old_orders", "old_orders_idx_by_customer")]
    public void RenamedDependent_ReplacesTheTablePart(string name, string table, string into, string expected) =>
        Assert.Equal(expected, TableRestorePlanner.RenamedDependent(name, table, into));

    [Fact]
    public void RestoredName_LongTableName_FitsIn63BytesKeepingTheTime()
    {
        var name = TableRestorePlanner.RestoredName(new string('t', 60), "20261121103000");
        Assert.Equal(63, name.Length);
        Assert.EndsWith("_restored_20261121103000", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesBadRequests()
    {
        Assert.Equal("--replace and --into exclude each other",
            Assert.Throws<UsageException>(() => TableRestorePlanner.Validate(Request("copy", replace: true))).Message);
        Assert.StartsWith("--into names one restored table",
            Assert.Throws<UsageException>(() => TableRestorePlanner.Validate(Request("copy", false, "orders", "customers"))).Message, StringComparison.Ordinal);
        Assert.Equal("a table is named twice", Assert.Throws<UsageException>(() => TableRestorePlanner.Validate(Request(null, false, "orders", "orders"))).Message);
        Assert.Equal("name at least one table to restore (--table)",
            Assert.Throws<UsageException>(() => TableRestorePlanner.Validate(new TableRestoreRequest("customer_db", [], RestoreTarget.Latest))).Message);
        Assert.Equal("a table-level restore takes a target time or 'latest', not immediate (end of the backup)",
            Assert.Throws<UsageException>(() => TableRestorePlanner.Validate(new TableRestoreRequest("customer_db", ["orders"], RestoreTarget.Immediate))).Message);
    }
}
