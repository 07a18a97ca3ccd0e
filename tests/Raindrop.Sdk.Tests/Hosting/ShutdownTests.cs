using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>How the registered client closes when the host stops.</summary>
[Collection(TracingTestGroup.Name)]
public class ShutdownTests
{
    [Fact]
    public async Task A_host_shutdown_timeout_shorter_than_CloseTimeout_stops_the_host_cleanly_and_counts_what_was_not_sent()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddFakeLogging();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddRaindrop(o =>
        {
            o.WriteKey = "k";
            o.Endpoint = "http://127.0.0.1:9/v1/";
            o.HttpMessageHandler = new HangingHandler(); // the server never answers
            o.CloseTimeout = TimeSpan.FromMinutes(5);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<RaindropClient>();
        client.Track(new TrackEvent { UserId = "u", Event = "stuck" });

        var stopping = host.StopAsync();
        var finished = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(stopping, finished); // within the host's timeout, not CloseTimeout's 5 minutes
        await stopping; // and without throwing: an exception here makes the app's RunAsync throw
        Assert.Equal(1, client.Statistics.Dropped);
        Assert.Contains(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("close deadline"));
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
