using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>Issue 21: <c>"Raindrop": { "CaptureChatClients": true }</c> binds, and without Raindrop.Sdk.Extensions.AI (not referenced here) start says so.</summary>
public class CaptureChatClientsOptionTests
{
    [Fact]
    public async Task CaptureChatClients_binds_from_configuration_and_without_the_Extensions_AI_package_a_warning_says_so_at_start()
    {
        var builder = WebAppHarness.Builder(new Dictionary<string, string?>
        {
            ["Raindrop:WriteKey"] = "k",
            ["Raindrop:Endpoint"] = "http://127.0.0.1:9/v1/",
            ["Raindrop:CaptureChatClients"] = "true",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddFakeLogging();
        builder.Services.AddRaindrop();
        await using var app = builder.Build();

        Assert.True(app.Services.GetRequiredService<IOptionsMonitor<RaindropOptions>>().Get(Options.DefaultName).CaptureChatClients);
        await app.StartAsync();
        try
        {
            Assert.Contains(app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("Raindrop.Sdk.Extensions.AI package is not loaded", StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
