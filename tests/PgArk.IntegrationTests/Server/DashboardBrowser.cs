using Microsoft.Playwright;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Debian's chromium with one page open at a serve's address (its sign-in form, or the dashboard when the serve needs no
/// key): what each dashboard browser test starts from. Disposing closes the page, the browser and Playwright.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public static async Task<DashboardBrowser> OpenAsync(Uri baseAddress, ViewportSize? viewport = null)
    {
        var (playwright, browser) = await DashboardBrowserTests.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = baseAddress.ToString(),
                ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
            });
            context.SetDefaultTimeout(DashboardBrowserTests.s_timeout);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            return new DashboardBrowser(playwright, browser, context, page);
        }
        catch
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Types the key into the sign-in form and submits it; the caller waits for what it expects next.</summary>
    public async Task SignInAsync(string key)
    {
        await Page.Locator("#signin").WaitForAsync();
        await Page.FillAsync("#key", key);
        await Page.ClickAsync("#signin-button");
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
