using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Server.Api;
using PgArk.Server.Auth;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// The dashboard in a real browser (Debian's chromium driven by Microsoft.Playwright, no downloaded browser) against a
/// real <c>serve</c> and cluster: sign-in with a key turned into an HttpOnly, SameSite=Strict cookie, overview, a backup
/// started from the page and found on the server page and its timeline, a database restored to a time from the page with
/// its rows checked against those of that time, roles, and CSRF. Screenshots of each page go to
/// <c>artifacts/dashboard/</c> at the repository root.
/// </summary>
public sealed class DashboardBrowserTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const string Chromium = "/usr/bin/chromium";
    internal static readonly float s_timeout = 120_000;

    internal static readonly string Artifacts = Path.Combine(FindRoot(), "artifacts", "dashboard");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"cannot find the repository root above {AppContext.BaseDirectory}");
    }

    /// <summary>Debian's chromium (scripts/install-deps.sh installs it); as root it only runs without its sandbox.</summary>
    internal static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/install-deps.sh");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            Timeout = s_timeout,
        });
        return (playwright, browser);
    }

    /// <summary>
    /// The page moves to the jobs page once the service accepted the job, or writes "Refused: …" under the buttons:
    /// either ends the wait, and a refusal fails the test with the service's own message instead of a navigation timeout.
    /// </summary>
    private static async Task WaitForJobsPageAsync(IPage page)
    {
        await page.WaitForFunctionAsync(
            "() => location.hash === '#/jobs' || (document.querySelector('#action-result')?.textContent ?? '').startsWith('Refused')",
            null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        var hash = await page.EvaluateAsync<string>("location.hash");
        Assert.True(hash == "#/jobs", await page.EvaluateAsync<string>("document.querySelector('#action-result')?.textContent ?? ''"));
    }

    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, name + ".png"), FullPage = true });
    }

    /// <summary>Chromium with a page of this class's serve, signed in with <paramref name="key"/>, showing the overview.</summary>
    private async Task<DashboardBrowser> SignedInPageAsync(string key)
    {
        var browser = await DashboardBrowser.OpenAsync(fixture.BaseAddress);
        try
        {
            await browser.SignInAsync(key);
            await browser.Page.Locator($"#servers [data-server='{PgArkHarness.Server}']").WaitForAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private static Task<int> FetchStatusAsync(IPage page, string method, string path, string? csrf) => page.EvaluateAsync<int>("""
        async ([method, path, csrf]) => {
          const headers = { 'Content-Type': 'application/json' };
          if (csrf !== null) headers['X-CSRF-Token'] = csrf;
          const response = await fetch(path, { method, headers, body: '{"type":"full"}', credentials: 'same-origin' });
          return response.status;
        }
        """, new object?[] { method, path, csrf });

    [Fact]
    public async Task Admin_SignsIn_SeesOverview_BacksUpFromThePage_FindsTheBackupOnServerPageAndTimeline()
    {
        await using var browser = await SignedInPageAsync(fixture.AdminKey);
        var (context, page) = (browser.Context, browser.Page);

        // The cookie is the session: HttpOnly (no script reads it), SameSite=Strict; the page kept no key.
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "pgark_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain("pgark_session", await page.EvaluateAsync<string>("document.cookie"), StringComparison.Ordinal);
        Assert.Equal("", await page.InputValueAsync("#key"));
        var stored = await page.EvaluateAsync<string>("JSON.stringify([Object.values(localStorage), Object.values(sessionStorage)])");
        Assert.DoesNotContain(fixture.AdminKey, stored, StringComparison.Ordinal);
        Assert.Contains("root (admin)", await page.InnerTextAsync("#whoami"), StringComparison.Ordinal);

        var tile = page.Locator($"#servers [data-server='{PgArkHarness.Server}']");
        Assert.Contains(await tile.GetAttributeAsync("data-state"), new[] { "green", "amber", "red" });
        Assert.Contains("full,", await tile.Locator(".newest-backup").InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "overview");

        // A backup started from the server page, followed on the jobs page to success.
        await page.ClickAsync($"#servers [data-server='{PgArkHarness.Server}'] h3 a");
        await page.Locator($"#backups tr[data-backup-id='{fixture.FullBackupId}']").WaitForAsync();
        Assert.Equal(1, await page.Locator("#restore-open").CountAsync());
        await page.ClickAsync("#backup-now");
        await WaitForJobsPageAsync(page);
        // Other tests of this class leave jobs of their own (a restore dry run): follow this backup's job, by its id.
        var jobs = JsonNode.Parse(await page.EvaluateAsync<string>("fetch('/api/jobs').then(r => r.text())"))!["jobs"]!.AsArray();
        var jobId = jobs.Single(j => j!["operation"]!.GetValue<string>() == "backup")!["id"]!.GetValue<string>();
        await page.Locator("#jobs tr", new PageLocatorOptions { HasText = jobId })
            .Locator(".job-state", new LocatorLocatorOptions { HasText = "succeeded" })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 300_000 });
        // A finished job shows its final state, not the bar of its last progress report.
        var progress = page.Locator("#jobs tr", new PageLocatorOptions { HasText = jobId }).Locator(".job-progress");
        Assert.Equal("succeeded", await progress.GetAttributeAsync("data-final"));
        Assert.Equal("100", await progress.Locator("[data-percent]").GetAttributeAsync("data-percent"));
        await ScreenshotAsync(page, "jobs");
        var finished = JsonNode.Parse(await page.EvaluateAsync<string>($"fetch('/api/jobs/{jobId}').then(r => r.text())"))!;
        Assert.True(finished["result"]?["backup_id"] is not null, finished.ToJsonString());
        var backupId = finished["result"]!["backup_id"]!.GetValue<string>();

        await page.GotoAsync($"/#/server/{PgArkHarness.Server}");
        var row = page.Locator($"#backups tr[data-backup-id='{backupId}']");
        await row.WaitForAsync();
        Assert.Contains("incr", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator($"#timeline circle[data-backup-id='{backupId}']").CountAsync());
        Assert.Equal(1, await page.Locator($"#timeline circle[data-backup-id='{fixture.FullBackupId}']").CountAsync());
        Assert.Contains(await page.Locator("#runs tr[data-run]").AllInnerTextsAsync(), r => r.Contains("backup (incr)", StringComparison.Ordinal));
        await ScreenshotAsync(page, "server");

        // The same page on a phone-sized screen.
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "server-phone");
        output.WriteLine($"screenshots in {Artifacts}");
    }

    [Fact]
    public async Task Admin_PlansDatabaseRestore_DryRunPlanShown_RunRefusedUntilTheNameIsTyped()
    {
        await using var browser = await SignedInPageAsync(fixture.AdminKey);
        var page = browser.Page;

        await page.GotoAsync($"/#/server/{PgArkHarness.Server}");
        await page.Locator("#restore-open").WaitForAsync();
        var restoresBefore = (await RestoreJobsAsync(page)).Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        await page.ClickAsync("#restore-open");
        await page.SelectOptionAsync("#restore-database", ServerFixture.Database);
        await page.FillAsync("#restore-time", ""); // empty: latest
        await page.ClickAsync("#restore-plan-button");
        var plan = page.Locator("#restore-plan");
        await Assertions.Expect(plan).ToContainTextAsync($"\"database\": \"{ServerFixture.Database}\"",
            new LocatorAssertionsToContainTextOptions { Timeout = s_timeout });
        Assert.Contains("\"server\": \"pg1\"", await plan.InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "restore-plan");

        await page.FillAsync("#restore-confirm", "not-the-name");
        await page.ClickAsync("#restore-run");
        await Assertions.Expect(plan).ToHaveTextAsync("Type the database name exactly to confirm.");
        // Only the dry run was started (another test of this class may have run a restore of its own before).
        var restores = (await RestoreJobsAsync(page)).Where(j => !restoresBefore.Contains(j.Id)).ToList();
        Assert.Equal("succeeded", Assert.Single(restores).State);
    }

    private static async Task<IReadOnlyList<(string Id, string State)>> RestoreJobsAsync(IPage page) =>
        JsonNode.Parse(await page.EvaluateAsync<string>("fetch('/api/jobs').then(r => r.text())"))!["jobs"]!.AsArray()
            .Where(j => j!["operation"]!.GetValue<string>() == "restore_database")
            .Select(j => (j!["id"]!.GetValue<string>(), j!["state"]!.GetValue<string>()))
            .ToList();

    /// <summary>
    /// The end-to-end restore: rows change after a time T; on the server page the admin plans a restore of the
    /// database to T (dry run), types its name, runs it, follows the job to success on the jobs page, and the live
    /// database then holds exactly the rows of T (the pre-restore copy keeps the later ones).
    /// </summary>
    [Fact]
    public async Task Admin_RestoresDatabaseToATime_FromThePage_FollowsTheJob_RestoredRowsAreThoseAtTheTime()
    {
        var cluster = fixture.Harness.Cluster;
        await cluster.ExecuteAsync("CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, item text NOT NULL, qty int NOT NULL)", ServerFixture.Database);
        await cluster.ExecuteAsync("TRUNCATE orders; INSERT INTO orders VALUES (1, 'anchor', 3), (2, 'bolt', 40), (3, 'chain', 7)", ServerFixture.Database);
        var atT = await TableSnapshot.CaptureDatabaseAsync(cluster, ServerFixture.Database);
        var target = await cluster.ScalarAsync<string>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        // After T: a row changed, one deleted, one added; the restore must undo all three.
        await cluster.ExecuteAsync("UPDATE orders SET qty = 0 WHERE id = 1; DELETE FROM orders WHERE id = 2; INSERT INTO orders VALUES (4, 'drill', 1)",
            ServerFixture.Database);
        var afterT = await TableSnapshot.CaptureDatabaseAsync(cluster, ServerFixture.Database);

        await using var browser = await SignedInPageAsync(fixture.AdminKey);
        var page = browser.Page;

        await page.GotoAsync($"/#/server/{PgArkHarness.Server}");
        await page.ClickAsync("#restore-open");
        await page.SelectOptionAsync("#restore-database", ServerFixture.Database);
        await page.FillAsync("#restore-time", target!);
        await page.ClickAsync("#restore-plan-button");
        var plan = page.Locator("#restore-plan");
        await Assertions.Expect(plan).ToContainTextAsync("recovery_target_time", new LocatorAssertionsToContainTextOptions { Timeout = 300_000 });
        var planText = await plan.InnerTextAsync();
        Assert.Contains($"\"database\": \"{ServerFixture.Database}\"", planText, StringComparison.Ordinal);
        Assert.Contains(fixture.FullBackupId, planText, StringComparison.Ordinal);
        await ScreenshotAsync(page, "restore-planned-to-time");

        var before = (await RestoreJobsAsync(page)).Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        await page.FillAsync("#restore-confirm", ServerFixture.Database);
        await page.ClickAsync("#restore-run");
        await WaitForJobsPageAsync(page);
        var jobId = Assert.Single(await RestoreJobsAsync(page), j => !before.Contains(j.Id)).Id;
        var state = page.Locator("#jobs tr", new PageLocatorOptions { HasText = jobId }).Locator(".job-state");
        await Assertions.Expect(state).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(succeeded|failed|cancelled)"),
            new LocatorAssertionsToHaveTextOptions { Timeout = 600_000 });
        await ScreenshotAsync(page, "restore-job");
        var finished = JsonNode.Parse(await page.EvaluateAsync<string>($"fetch('/api/jobs/{jobId}').then(r => r.text())"))!;
        Assert.True(finished["state"]!.GetValue<string>() == "succeeded", finished.ToJsonString());

        // The data: the live database holds the rows of T, row by row, and the kept copy the later ones.
        Assert.Equal("1|anchor|3,2|bolt|40,3|chain|7", await cluster.ScalarAsync<string>(
            "SELECT string_agg(concat_ws('|', id, item, qty), ',' ORDER BY id) FROM orders", ServerFixture.Database));
        (await TableSnapshot.CaptureDatabaseAsync(cluster, ServerFixture.Database)).AssertSameContent(atT);
        var keptAs = finished["result"]?["kept_as"]?.GetValue<string>();
        Assert.True(keptAs is not null, finished.ToJsonString());
        (await TableSnapshot.CaptureDatabaseAsync(cluster, keptAs)).AssertSameContent(afterT);
        await cluster.ExecuteAsync($"DROP DATABASE \"{keptAs}\"");

        await page.GotoAsync($"/#/server/{PgArkHarness.Server}");
        await page.Locator("#runs tr[data-run]").First.WaitForAsync();
        await ScreenshotAsync(page, "server-after-restore");
    }

    /// <summary>
    /// A supervisor config whose <c>agents</c> are this class's serve (with its key) and an address nobody listens on: the
    /// supervisor's overview asks each through its API and shows the first reachable with its server up, the second
    /// unreachable, with the reason.
    /// </summary>
    [Fact]
    public async Task Supervisor_Overview_ShowsEachAgentWithItsHealthAskedThroughItsApi()
    {
        var keyVariable = $"PGARK_TEST_DASHBOARD_AGENT_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(keyVariable, fixture.ViewerKey);
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var supervisorKey = ApiKeys.Create().Key;
        var config = fixture.Harness.Folder.Combine($"supervisor-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $$"""
            agents:
              - { name: east, url: "{{fixture.BaseAddress}}", apiKeyEnv: {{keyVariable}} }
              - { name: gone, url: "http://127.0.0.1:{{closedPort}}/" }
            api:
              keys:
                - { name: boss, sha256: "{{ApiKeys.Hash(supervisorKey)}}", role: viewer }

            """);
        var supervisor = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(config)), "http://127.0.0.1:0"));
        await supervisor.StartAsync();
        await using var supervisorScope = supervisor;
        try
        {
            await using var browser = await DashboardBrowser.OpenAsync(ApiHost.ListeningAddress(supervisor));
            var page = browser.Page;
            await browser.SignInAsync(supervisorKey);

            var east = page.Locator("#agents [data-agent='east']");
            await east.WaitForAsync();
            Assert.Contains("reachable, health", await east.Locator(".agent-reachable").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains(await east.GetAttributeAsync("data-state"), new[] { "green", "amber" });
            Assert.Contains($"{PgArkHarness.Server}", await east.InnerTextAsync(), StringComparison.Ordinal);
            Assert.StartsWith("up, PostgreSQL 15", await east.Locator(".agent-server").InnerTextAsync(), StringComparison.Ordinal);
            var gone = page.Locator("#agents [data-agent='gone']");
            Assert.Equal("red", await gone.GetAttributeAsync("data-state"));
            Assert.Equal("unreachable", await gone.Locator(".agent-reachable").InnerTextAsync());
            Assert.Contains("agent 'gone'", await gone.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("No local servers", await page.InnerTextAsync("#view"), StringComparison.Ordinal);
            await ScreenshotAsync(page, "overview-agents");
        }
        finally
        {
            await supervisor.StopAsync();
            Environment.SetEnvironmentVariable(keyVariable, null);
        }
    }

    /// <summary>
    /// The overview's "newest backup against its schedule", on the page's own code: the cadence is read from the planned
    /// runs of the backup entries (not dumps), and a backup older than a period plus its duration is overdue (a whole run
    /// missed: red).
    /// </summary>
    [Fact]
    public async Task Overview_NewestBackupAgainstSchedule_OnTimeOverdueAndMissed()
    {
        await using var browser = await SignedInPageAsync(fixture.AdminKey);
        var page = browser.Page;

        var verdicts = await page.EvaluateAsync<string[]>("""
            () => {
              const hour = 3600000, now = Date.now();
              const runs = (first, period) => [0, 1, 2].map(i => new Date(now + first + i * period).toISOString());
              const entries = [
                { key: 'dump:app:full', task: 'dump', next_runs: runs(hour, hour) },
                { key: 'full', task: 'full', next_runs: runs(2 * hour, 24 * hour) },
              ];
              const cadence = backupCadence(entries);
              const backup = hoursAgo => ({ stop_time: new Date(now - hoursAgo * hour).toISOString(), duration_seconds: 600 });
              return [cadenceLabel(cadence.period), cadence.key,
                ...[3, 25, 26, 50].map(h => { const p = backupPunctuality(backup(h), cadence); return `${p.level}: ${p.text}`; }),
                String(backupCadence([{ key: 'full', task: 'full', next_runs: runs(hour, 24 * hour).slice(0, 1) }]))];
            }
            """);

        Assert.Equal("daily", verdicts[0]);
        Assert.Equal("full", verdicts[1]);
        Assert.Equal("green: 3.0 h old, schedule daily (full) → on time", verdicts[2]);
        Assert.Equal("green: 25.0 h old, schedule daily (full) → on time", verdicts[3]); // 24 h + its 10 min + 1 h grace not yet passed
        Assert.Equal("amber: 26.0 h old, schedule daily (full) → overdue", verdicts[4]);
        Assert.Equal("red: 50.0 h old, schedule daily (full) → overdue", verdicts[5]);
        Assert.Equal("null", verdicts[6]);
        // This fixture's server has no schedule: the tile says so instead of guessing one.
        var schedule = page.Locator($"#servers [data-server='{PgArkHarness.Server}'] .backup-schedule");
        Assert.Equal("no backup schedule", await schedule.InnerTextAsync());
    }

    /// <summary>
    /// The jobs page's progress cell, on the page's own code: a running job's bar at its percent, a finished one's full,
    /// with its final state (succeeded 100 %, failed or cancelled with where it stopped) whatever its last report said.
    /// </summary>
    [Fact]
    public async Task Jobs_FinishedJobs_ShowTheirFinalState_NotTheLastProgressReport()
    {
        await using var browser = await SignedInPageAsync(fixture.AdminKey);

        var cells = await browser.Page.EvaluateAsync<string[]>("""
            () => [
              { state: 'running', progress: { phase: 'copy', percent: 42 } },
              { state: 'succeeded', progress: { phase: 'start', percent: 0 } },
              { state: 'succeeded', progress: null },
              { state: 'failed', progress: { phase: 'copy', percent: 42 } },
              { state: 'cancelled', progress: { phase: 'wal', percent: null } },
              { state: 'cancelled', progress: null },
            ].map(job => {
              const cell = progressCell(job);
              return `${cell.dataset.final}|${cell.querySelector('[data-percent]').style.width}|${cell.textContent.trim()}`;
            })
            """);

        Assert.Equal(
        [
            "running|42%|copy 42%",
            "succeeded|100%|100%",
            "succeeded|100%|100%",
            "failed|100%|failed at copy 42%",
            "cancelled|100%|cancelled at wal",
            "cancelled|100%|cancelled",
        ], cells);
    }

    [Fact]
    public async Task ForgedPost_WithTheCookieButNoCsrfToken_403_NothingStarted()
    {
        await using var browser = await SignedInPageAsync(fixture.AdminKey);
        var page = browser.Page;
        var path = $"/api/servers/{PgArkHarness.Server}/backups";
        var jobsBefore = await page.EvaluateAsync<string>("fetch('/api/jobs').then(r => r.text())");

        Assert.Equal(403, await FetchStatusAsync(page, "POST", path, csrf: null));
        Assert.Equal(403, await FetchStatusAsync(page, "POST", path, csrf: "not-the-token"));
        Assert.Equal(403, await FetchStatusAsync(page, "DELETE", "/api/session", csrf: null));

        var body = await page.EvaluateAsync<string>($"fetch('{path}', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}}).then(r => r.text())");
        Assert.Contains("missing or wrong CSRF token", body, StringComparison.Ordinal);
        Assert.Equal(jobsBefore, await page.EvaluateAsync<string>("fetch('/api/jobs').then(r => r.text())"));
        // Reads need no token, and the session still works after the refusals.
        Assert.Equal(200, await page.EvaluateAsync<int>("fetch('/api/servers').then(r => r.status)"));
    }

    [Fact]
    public async Task Viewer_SeesServerPage_WithoutRestoreOrBackupButtons()
    {
        await using var browser = await SignedInPageAsync(fixture.ViewerKey);
        var page = browser.Page;

        await page.GotoAsync($"/#/server/{PgArkHarness.Server}");
        await page.Locator($"#backups tr[data-backup-id='{fixture.FullBackupId}']").WaitForAsync();

        Assert.Contains("viewer (viewer)", await page.InnerTextAsync("#whoami"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#restore-open").CountAsync());
        Assert.Equal(0, await page.Locator("#restore-card").CountAsync());
        Assert.Equal(0, await page.Locator("#backup-now").CountAsync());
        await ScreenshotAsync(page, "server-viewer");
        // The API refuses the viewer too, whatever a page sends (the role, not the button, is the gate).
        var csrf = JsonDocument.Parse(await page.EvaluateAsync<string>("fetch('/api/session').then(r => r.text())")).RootElement
            .GetProperty("csrf_token").GetString();
        Assert.Equal(403, await FetchStatusAsync(page, "POST", $"/api/servers/{PgArkHarness.Server}/backups", csrf));
    }

    [Fact]
    public async Task SignIn_UnknownKey_Refused_NoCookie()
    {
        await using var browser = await DashboardBrowser.OpenAsync(fixture.BaseAddress);
        var (context, page) = (browser.Context, browser.Page);
        await browser.SignInAsync("pgark_not-a-key");

        await Assertions.Expect(page.Locator("#signin-error")).ToHaveTextAsync("Unknown API key.");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "pgark_session");
        Assert.Equal(401, await page.EvaluateAsync<int>("fetch('/api/servers').then(r => r.status)"));
        await ScreenshotAsync(page, "signin");
    }
}
