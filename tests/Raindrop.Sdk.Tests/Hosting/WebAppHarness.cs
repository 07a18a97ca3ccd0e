using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>Builds a real WebApplication (Kestrel on 127.0.0.1, a free port) with in-memory configuration only.</summary>
internal static class WebAppHarness
{
    public static WebApplicationBuilder Builder(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Testing",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    /// <summary>The app's base URL once started (the port Kestrel picked).</summary>
    public static string Url(WebApplication app) => app.Urls.First();
}
