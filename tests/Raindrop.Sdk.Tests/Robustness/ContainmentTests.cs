using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>What a review that tried to break the SDK found: each is contained now, never thrown into the app.</summary>
public sealed class ContainmentTests
{
    [Fact]
    public async Task A_logging_provider_that_throws_costs_the_log_line_not_the_call_or_the_event()
    {
        using var api = new FakeApi();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ThrowingProvider()));
        var client = api.Client(o => o.LoggerFactory = loggerFactory);

        // Each of these logs a warning on the caller's thread.
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i", EventId = "kept", Properties = new Dictionary<string, object?> { ["bad"] = new[] { 1, 0 }.Select(x => 1 / x) } });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat" });
        await interaction.FinishAsync(output: "done");
        interaction.SetProperty("late", 1);
        Assert.True(await client.FlushAsync());
        await client.DisposeAsync();
        client.Track(new TrackEvent { UserId = "u", Event = "after-close" });

        Assert.Contains(api.Items("events/track"), i => (string?)i["event_id"] == "kept");
    }

    [Fact]
    public async Task A_container_disposed_synchronously_closes_the_client_and_delivers_what_it_queued()
    {
        using var api = new FakeApi();
        var services = new ServiceCollection();
        services.AddRaindrop(o =>
        {
            o.WriteKey = "k";
            o.Endpoint = api.Endpoint;
            o.FlushInterval = TimeSpan.FromMinutes(1);
        });
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IRaindropClient>().Track(new TrackEvent { UserId = "u", Event = "e", EventId = "sync-dispose" });
        } // today: InvalidOperationException, the type only implements IAsyncDisposable

        Assert.True(await FakeApi.Eventually(() => api.Items("events/track").Any(i => (string?)i["event_id"] == "sync-dispose")));
    }

    [Fact]
    public async Task TrackTool_clamps_an_out_of_range_duration_instead_of_throwing()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat" });

        interaction.TrackTool("forever", 1, 2, TimeSpan.MaxValue);
        interaction.TrackTool("backwards", 1, 2, TimeSpan.FromSeconds(-5));
        client.TrackTool("forever", 1, 2, TimeSpan.MaxValue);
        await interaction.FinishAsync(output: "done");
        Assert.True(await client.FlushAsync());
    }

    [Fact]
    public async Task Close_logs_how_many_items_were_not_sent_in_all()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithDelay(TimeSpan.FromSeconds(3)).WithStatusCode(204));
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var client = api.Client(o =>
        {
            o.LoggerFactory = loggerFactory;
            o.BatchSize = 1;
            o.MaxConcurrentRequests = 1;
            o.CloseTimeout = TimeSpan.FromMilliseconds(500);
        });
        for (var i = 0; i < 50; i++)
        {
            client.Track(new TrackEvent { UserId = "u", Event = "e" });
        }

        await client.DisposeAsync();
        Assert.Equal(50, client.Statistics.Dropped);
        var lines = logs.Collector.GetSnapshot().Where(r => r.Message.Contains("close deadline passed", StringComparison.Ordinal)).ToList();
        Assert.Equal(50, lines.Sum(r => int.Parse(System.Text.RegularExpressions.Regex.Match(r.Message, @": (\d+) item").Groups[1].Value)));
    }

    [Fact]
    public async Task One_property_too_large_to_fit_is_left_out_alone_and_its_small_siblings_are_sent()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent
        {
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["good"] = 1, ["bad"] = Enumerable.Range(0, 1_000_000).ToArray(), ["also"] = "kept" },
        });

        Assert.True(await client.FlushAsync());
        var props = Assert.Single(api.Items("events/track"))["properties"]!;
        Assert.Equal(1, (int)props["good"]!);
        Assert.Equal("kept", (string?)props["also"]);
        Assert.StartsWith("[too large:", (string?)props["bad"], StringComparison.Ordinal);
        Assert.True(api.Bodies("events/track").Single().Length <= 1024 * 1024);
    }

    private sealed class ThrowingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger();

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => throw new InvalidOperationException("no test is running");

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                throw new InvalidOperationException("There is no currently active test.");
        }
    }
}
