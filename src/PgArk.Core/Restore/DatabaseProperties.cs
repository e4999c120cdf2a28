using System.Text;
using Npgsql;
using PgArk.Core.Logical;

namespace PgArk.Core.Restore;

/// <summary>A database-wide privilege (datacl entry) to grant again; a null grantee is PUBLIC.</summary>
internal sealed record DatabaseGrant(string? Grantee, string Privilege, bool Grantable);

/// <summary>A setting stored with ALTER DATABASE … SET (Role null) or ALTER ROLE … IN DATABASE … SET.</summary>
internal sealed record DatabaseSetting(string? Role, string Name, string Value);

/// <summary>
/// What pg_dump without --create leaves out, read from the sandbox (the database as it was at the target): owner,
/// encoding and locale (the provider columns differ between PostgreSQL 15, 16 and 17), tablespace, connection limit,
/// database-level privileges and settings. Roles are cluster-wide: they must already exist on the live server.
/// </summary>
internal sealed record DatabaseProperties(string Owner, string Encoding, string Collate, string Ctype, char Provider, string? ProviderLocale,
    string Tablespace, int ConnectionLimit, bool HasAcl, IReadOnlyList<DatabaseGrant> Grants, IReadOnlyList<DatabaseSetting> Settings)
{
    /// <summary>datconnlimit of a database whose DROP DATABASE was interrupted (PostgreSQL 16, 15.4, 14.9, 13.12 and later).</summary>
    public const int InvalidConnectionLimit = -2;

    public static async Task<DatabaseProperties?> ReadAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        var version = connection.PostgreSqlVersion.Major;
        var provider = version switch
        {
            >= 17 => "d.datlocprovider::text, d.datlocale",
            >= 15 => "d.datlocprovider::text, d.daticulocale",
            _ => "'c', NULL::text",
        };
        DatabaseProperties? properties;
        var command = new NpgsqlCommand($"""
            SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, {provider},
                   t.spcname, d.datconnlimit, d.datacl IS NOT NULL, d.oid
            FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = $1
            """, connection) { Parameters = { new() { Value = database } } };
        uint oid;
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            properties = new DatabaseProperties(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4)[0], reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetInt32(7), reader.GetBoolean(8), [], []);
            oid = reader.GetFieldValue<uint>(9);
        }
        var grants = new List<DatabaseGrant>();
        var aclCommand = new NpgsqlCommand("""
            SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable
            FROM pg_database d, aclexplode(d.datacl) a WHERE d.oid = $1 AND a.grantee <> d.datdba ORDER BY 1 NULLS FIRST, 2
            """, connection) { Parameters = { new() { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid } } };
        await using (aclCommand.ConfigureAwait(false))
        {
            var reader = await aclCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                grants.Add(new DatabaseGrant(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
            }
        }
        var settings = new List<DatabaseSetting>();
        var settingsCommand = new NpgsqlCommand("""
            SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, c.config
            FROM pg_db_role_setting s, unnest(s.setconfig) c(config) WHERE s.setdatabase = $1
            """, connection) { Parameters = { new() { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid } } };
        await using (settingsCommand.ConfigureAwait(false))
        {
            var reader = await settingsCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var pair = reader.GetString(1).Split('=', 2);
                settings.Add(new DatabaseSetting(reader.IsDBNull(0) ? null : reader.GetString(0), pair[0], pair.Length > 1 ? pair[1] : ""));
            }
        }
        return properties with { Grants = grants, Settings = settings };
    }

    /// <summary>CREATE DATABASE for a copy named <paramref name="name"/>, from template0 so encoding and locale can be chosen.</summary>
    public string CreateStatement(string name, int liveVersion, bool tablespaceExists)
    {
        var sql = new StringBuilder($"CREATE DATABASE {PgClient.QuoteIdentifier(name)} WITH OWNER {PgClient.QuoteIdentifier(Owner)} TEMPLATE template0");
        sql.Append($" ENCODING {Literal(Encoding)} LC_COLLATE {Literal(Collate)} LC_CTYPE {Literal(Ctype)}");
        if (liveVersion >= 15)
        {
            switch (Provider)
            {
                case 'i':
                    sql.Append($" LOCALE_PROVIDER icu ICU_LOCALE {Literal(ProviderLocale ?? "und")}");
                    break;
                case 'b':
                    sql.Append($" LOCALE_PROVIDER builtin BUILTIN_LOCALE {Literal(ProviderLocale ?? "C")}");
                    break;
                default:
                    sql.Append(" LOCALE_PROVIDER libc");
                    break;
            }
        }
        if (tablespaceExists && Tablespace != "pg_default")
        {
            sql.Append($" TABLESPACE {PgClient.QuoteIdentifier(Tablespace)}");
        }
        sql.Append(System.Globalization.CultureInfo.InvariantCulture, $" CONNECTION LIMIT {ConnectionLimit}");
        return sql.ToString();
    }

    /// <summary>Statements run after the data is in: privileges and settings of the database as they were at the target.</summary>
    public IEnumerable<string> AfterStatements(string name)
    {
        var database = PgClient.QuoteIdentifier(name);
        if (HasAcl)
        {
            // A non-null datacl replaced the defaults (PUBLIC: CONNECT, TEMPORARY), so start from none.
            yield return $"REVOKE ALL ON DATABASE {database} FROM PUBLIC";
            foreach (var grant in Grants)
            {
                var grantee = grant.Grantee is null ? "PUBLIC" : PgClient.QuoteIdentifier(grant.Grantee);
                yield return $"GRANT {grant.Privilege} ON DATABASE {database} TO {grantee}{(grant.Grantable ? " WITH GRANT OPTION" : "")}";
            }
        }
        foreach (var setting in Settings)
        {
            var target = setting.Role is null ? $"ALTER DATABASE {database}" : $"ALTER ROLE {PgClient.QuoteIdentifier(setting.Role)} IN DATABASE {database}";
            yield return $"{target} SET {PgClient.QuoteIdentifier(setting.Name)} = {SettingValue(setting)}";
        }
    }

    /// <summary>
    /// List settings (search_path and the like) are stored already in SQL list syntax (<c>"$user", public</c>) and go in as
    /// they are; anything else is one string literal.
    /// </summary>
    private static string SettingValue(DatabaseSetting setting) =>
        s_listSettings.Contains(setting.Name) ? setting.Value : Literal(setting.Value);

    private static readonly HashSet<string> s_listSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries",
    };

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
