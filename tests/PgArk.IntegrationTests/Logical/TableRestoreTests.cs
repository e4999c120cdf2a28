using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

/// <summary>Table-level dump-restore: into a database without the table (created whole) and into the same database (rows replaced atomically).</summary>
public sealed class TableRestoreTests(LogicalHarnessFixture fixture) : IClassFixture<LogicalHarnessFixture>
{
    private PgArkHarness H => fixture.Harness;

    private const string Objects = """
        SELECT string_agg(d, E'\n' ORDER BY d) FROM (
          SELECT 'index ' || indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
          UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          UNION ALL SELECT 'default ' || adrelid::regclass || ' ' || pg_get_expr(adbin, adrelid) FROM pg_attrdef
          UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
          UNION ALL SELECT 'sequence ' || sequencename || ' ' || coalesce(last_value, 0) FROM pg_sequences
          UNION ALL SELECT 'comment ' || obj_description(oid, 'pg_class') FROM pg_class WHERE obj_description(oid, 'pg_class') IS NOT NULL) x
        """;

    private async Task<string> SourceAsync(string prefix)
    {
        var source = await fixture.CreateDatabaseAsync(prefix);
        await fixture.CreateCustomerSchemaAsync(source, alembicRevision: null);
        await H.Cluster.ExecuteAsync("""
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.quantity := NEW.quantity; RETURN NEW; END$$;
            CREATE TRIGGER items_touch BEFORE UPDATE ON order_items FOR EACH ROW EXECUTE FUNCTION touch();
            CREATE INDEX items_product ON order_items (product);
            ALTER TABLE order_items ADD CONSTRAINT quantity_positive CHECK (quantity > 0);
            COMMENT ON TABLE order_items IS 'line items';
            CREATE TABLE "user" (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int REFERENCES customers(id), nick text UNIQUE);
            INSERT INTO "user" (customer_id, nick) SELECT i, 'n' || i FROM generate_series(1, 20) i;
            """, source);
        return source;
    }

    [Fact]
    public async Task TableRestore_IntoDatabaseWithoutTheTables_CreatesThemWithIndexesConstraintsSequencesAndTriggers()
    {
        var source = await SourceAsync("tnew");
        var before = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, source);
        Assert.Equal(["public.customers", "public.order_items", "public.orders", "public.user"], before.Tables.Keys);
        var run = await H.RunAsync("--output", "json", "dump", "--server", PgArkHarness.Server, "--database", source);
        Assert.True(run.ExitCode == 0, run.ToString());
        var target = source + "_t";
        // The function the trigger calls is not part of any table: the target has it already.
        await H.Cluster.CreateDatabaseAsync(target);
        await H.Cluster.ExecuteAsync("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.quantity := NEW.quantity; RETURN NEW; END$$", target);

        var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target,
            "--table", "customers", "--table", "orders", "--table", "order_items", "--table", "user", "--jobs", "2");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureDatabaseAsync(H.Cluster, target)).Tables);
        var expected = await H.Cluster.ScalarAsync<string>(Objects, source);
        Assert.Equal(expected, await H.Cluster.ScalarAsync<string>(Objects, target));
        Assert.Contains("index CREATE INDEX items_product", expected);
        Assert.Contains("trigger order_items items_touch", expected);
        Assert.Contains("sequence user_id_seq 20", expected);
        // The restored sequences continue where the source was: new rows get fresh ids.
        await H.Cluster.ExecuteAsync("INSERT INTO customers (name) VALUES ('next'); INSERT INTO \"user\" (nick) VALUES ('next')", target);
        Assert.Equal(51, await H.Cluster.ScalarAsync<int>("SELECT max(id) FROM customers", target));
        Assert.Equal(21, await H.Cluster.ScalarAsync<int>("SELECT max(id) FROM \"user\"", target));
    }

    [Fact]
    public async Task TableRestore_OneTableWhoseReferencedTableIsMissing_RestoresItWithoutThatForeignKeyAndSaysSo()
    {
        var source = await SourceAsync("tfk");
        var before = await TableSnapshot.CaptureTableAsync(H.Cluster, "public.order_items", source);
        Assert.Equal(0, (await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", source)).ExitCode);
        var target = source + "_o";
        await H.Cluster.CreateDatabaseAsync(target);
        await H.Cluster.ExecuteAsync("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$", target);
        var restore = await H.RunAsync("--output", "json", "dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target,
            "--table", "order_items");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("foreign key order_items order_items_order_id_fkey of public.order_items (references public.orders", restore.Stdout);
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.order_items", target)).Tables);
        Assert.Equal(["public.order_items"], (await TableSnapshot.CaptureDatabaseAsync(H.Cluster, target)).Tables.Keys);
        Assert.Equal(1, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_product'", target));
        Assert.Equal(1, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE conname IN ('quantity_positive')", target));
        Assert.Equal(1, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE conname = 'order_items_pkey'", target));
    }

    [Fact]
    public async Task TableRestore_SameDatabaseReferencedTable_FailsClearlyAndChangesNothing()
    {
        var source = await SourceAsync("tsame");
        Assert.Equal(0, (await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", source)).ExitCode);
        await H.Cluster.ExecuteAsync("UPDATE customers SET name = 'changed' WHERE id <= 5; UPDATE \"user\" SET nick = 'x' || id", source);
        var changed = await TableSnapshot.CaptureTableAsync(H.Cluster, "public.customers", source);

        var refused = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--table", "customers", "--yes");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"replacing the rows of public.customers in database '{source}' failed; nothing was changed", refused.Stderr);
        Assert.Contains("cannot truncate a table referenced in a foreign key constraint", refused.Stderr);
        Assert.Equal(changed.Tables, (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.customers", source)).Tables);

        // A table nothing references has its rows replaced, and its identity sequence set back with them.
        var user = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--table", "user", "--yes");
        Assert.True(user.ExitCode == 0, user.ToString());
        Assert.Equal("n7", await H.Cluster.ScalarAsync<string>("SELECT nick FROM \"user\" WHERE id = 7", source));
        Assert.Equal("changed", await H.Cluster.ScalarAsync<string>("SELECT name FROM customers WHERE id = 1", source));
        Assert.Equal(20, await H.Cluster.ScalarAsync<long>("SELECT last_value FROM user_id_seq", source));
    }
}
