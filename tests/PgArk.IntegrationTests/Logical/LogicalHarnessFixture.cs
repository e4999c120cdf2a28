using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Logical;

/// <summary>One cluster and repository shared by the tests of a class; each test uses its own databases.</summary>
public sealed class LogicalHarnessFixture : IAsyncLifetime
{
    private PgArkHarness? _harness;

    public PgArkHarness Harness => _harness ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync() => _harness = await PgArkHarness.CreateAsync(compression: "zstd");

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await Harness.Cluster.CreateDatabaseAsync(name);
        return name;
    }

    /// <summary>Seed 000's sample schema (customers, orders, order_items) with a few rows, plus an optional alembic_version.</summary>
    public async Task CreateCustomerSchemaAsync(string database, string? alembicRevision)
    {
        await Harness.Cluster.ExecuteAsync("""
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), total numeric(12,2) NOT NULL, status text NOT NULL);
            CREATE TABLE order_items (id serial PRIMARY KEY, order_id int NOT NULL REFERENCES orders(id), product text NOT NULL, quantity int NOT NULL, price numeric(10,2));
            CREATE INDEX orders_customer ON orders(customer_id);
            INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com' FROM generate_series(1, 50) i;
            INSERT INTO orders (customer_id, total, status) SELECT 1 + i % 50, i * 1.25, CASE WHEN i % 3 = 0 THEN 'shipped' ELSE 'new' END FROM generate_series(1, 120) i;
            INSERT INTO order_items (order_id, product, quantity, price) SELECT 1 + i % 120, 'product ''' || i || '''', 1 + i % 4, i * 0.5 FROM generate_series(1, 300) i;
            """, database);
        if (alembicRevision is not null)
        {
            await Harness.Cluster.ExecuteAsync(
                $"CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('{alembicRevision}')", database);
        }
    }
}
