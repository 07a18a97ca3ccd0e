using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;
using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>What AddRaindrop registers and takes from the container.</summary>
[Collection(TracingTestGroup.Name)]
public class RegistrationTests
{
    [Fact]
    public async Task A_missing_write_key_logs_one_warning_through_the_container_and_runs_disabled()
    {
        var saved = Environment.GetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable);
        Environment.SetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable, null);
        try
        {
            var builder = WebAppHarness.Builder(new Dictionary<string, string?> { ["Raindrop:Endpoint"] = "http://127.0.0.1:9/v1/" });
            builder.Services.AddFakeLogging();
            builder.Services.AddRaindrop();
            await using var app = builder.Build();
            await app.StartAsync(); // starts: a missing key is not a configuration error

            var client = app.Services.GetRequiredService<RaindropClient>();
            Assert.False(client.IsEnabled);
            client.Track(new TrackEvent { UserId = "u", Event = "ignored" });
            await app.StopAsync();

            var warnings = app.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Level == LogLevel.Warning && r.Message.Contains("WriteKey")).ToList();
            Assert.Single(warnings);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable, saved);
        }
    }

    [Fact]
    public async Task RAINDROP_WRITE_KEY_is_used_when_configuration_has_no_key()
    {
        using var api = new FakeApi();
        var saved = Environment.GetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable);
        Environment.SetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable, "env-key");
        try
        {
            var builder = WebAppHarness.Builder(new Dictionary<string, string?> { ["Raindrop:Endpoint"] = api.Endpoint });
            builder.Services.AddRaindrop();
            await using var app = builder.Build();
            await app.StartAsync();
            app.Services.GetRequiredService<IRaindropClient>().Track(new TrackEvent { UserId = "u", Event = "e" });
            await app.StopAsync();

            Assert.Equal("Bearer env-key", Assert.Single(api.Requests("events/track")).RequestMessage.Headers!["Authorization"].First());
        }
        finally
        {
            Environment.SetEnvironmentVariable(RaindropServiceCollectionExtensions.WriteKeyEnvironmentVariable, saved);
        }
    }

    [Fact]
    public async Task One_singleton_serves_both_types_and_uses_the_containers_clock()
    {
        using var api = new FakeApi();
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddRaindrop(o =>
        {
            o.WriteKey = "code-key";
            o.Endpoint = api.Endpoint;
            o.FlushInterval = TimeSpan.Zero;
        });
        using var host = builder.Build();
        await host.StartAsync();

        var concrete = host.Services.GetRequiredService<RaindropClient>();
        Assert.Same(concrete, host.Services.GetRequiredService<IRaindropClient>());
        concrete.Track(new TrackEvent { UserId = "u", Event = "clocked" });
        await host.StopAsync();

        Assert.Equal("2030-01-02T03:04:05.000Z", (string?)Assert.Single(api.Items("events/track"))["timestamp"]);
    }

    [Fact]
    public void Registering_twice_adds_configuration_not_a_second_client()
    {
        var services = new ServiceCollection();
        services.AddRaindrop(o => o.WriteKey = "k");
        services.AddRaindrop(o => o.ProjectId = "second-call");

        Assert.Single(services, d => d.ServiceType == typeof(RaindropClient));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        using var sp = services.BuildServiceProvider();
        var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RaindropOptions>>().Value;
        Assert.Equal(("k", "second-call"), (options.WriteKey, options.ProjectId));
    }

    [Fact]
    public async Task TracerProviderBuilder_AddRaindrop_resolves_the_registered_client_beside_the_apps_exporters()
    {
        using var api = new FakeApi();
        var appSpans = new List<System.Diagnostics.Activity>();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddRaindrop(o =>
        {
            o.WriteKey = "otel-key";
            o.Endpoint = api.Endpoint;
            o.UseExternalOpenTelemetry = true;
        });
        builder.Services.AddOpenTelemetry().WithTracing(t => t.AddRaindrop().AddInMemoryExporter(appSpans));
        using var host = builder.Build();
        await host.StartAsync();

        var client = host.Services.GetRequiredService<RaindropClient>();
        var eventId = Attr.NewId();
        await using (var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId }))
        {
            interaction.WithTool("lookup", () => 42);
        }

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "lookup.tool"));
        await host.StopAsync();

        Assert.Contains(spans, s => s.EventId == eventId && s.Name == "lookup.tool");
        Assert.Contains(appSpans, a => a.DisplayName == "lookup.tool"); // the app's own exporter saw it too
    }
}
