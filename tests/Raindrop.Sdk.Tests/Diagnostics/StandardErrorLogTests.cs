using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Raindrop.Sdk.Tests.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Diagnostics;

/// <summary>
/// Console.Out and Console.Error are process-wide: the tests that redirect them run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleTestGroup
{
    public const string Name = "Console";
}

/// <summary>With no LoggerFactory the SDK's warnings, and with DebugLogs a line per request, go to standard error.</summary>
[Collection(ConsoleTestGroup.Name)]
public sealed class StandardErrorLogTests
{
    [Fact]
    public async Task A_missing_write_key_warns_on_standard_error()
    {
        var (stdout, stderr) = await CaptureConsoleAsync(async () =>
        {
            await using var client = new RaindropClient(new RaindropOptions());
            Assert.False(client.IsEnabled);
        });

        Assert.Contains("[raindrop] warning: Raindrop WriteKey is not set", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("[raindrop]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DebugLogs_print_one_line_per_request_on_standard_error()
    {
        using var api = new FakeApi();
        var (stdout, stderr) = await CaptureConsoleAsync(async () =>
        {
            await using var client = api.Client(o => o.DebugLogs = true);
            client.TrackAi(DeliveryKit.Ai("ev-1"));
            await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
            client.TrackSignal(new Signal { EventId = "ev-1", Name = "thumbs_up" });
            client.Identify("user-1");
            await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        });

        var requests = api.Requests("events/track").Count + api.Requests("signals/track").Count + api.Requests("users/identify").Count;
        Assert.Equal(3, requests);
        var lines = Lines(stderr).Where(l => l.StartsWith("[raindrop] info: Raindrop sent", StringComparison.Ordinal)).ToList();
        Assert.Equal(requests, lines.Count);
        Assert.Contains(lines, l => l.Contains("events/track", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("signals/track", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("users/identify", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(stderr), l => l.Contains("test-write-key", StringComparison.Ordinal));
        Assert.DoesNotContain("[raindrop]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DebugLogs_print_a_line_for_each_trace_export_too()
    {
        using var api = new FakeApi();
        var (_, stderr) = await CaptureConsoleAsync(async () =>
        {
            await using var client = api.Client(o => o.DebugLogs = true);
            await using (var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat" }))
            {
                await interaction.WithToolAsync("search", () => Task.FromResult("found"));
            }

            Assert.True(await client.FlushAsync().WaitAsync(DeliveryKit.Patience));
        });

        Assert.NotEmpty(api.Requests("traces"));
        Assert.Contains(Lines(stderr), l => l.StartsWith("[raindrop] info: Raindrop sent 2 span(s) to v1/traces", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_DebugLogs_a_healthy_client_prints_nothing()
    {
        using var api = new FakeApi();
        var (stdout, stderr) = await CaptureConsoleAsync(async () =>
        {
            await using var client = api.Client();
            client.TrackAi(DeliveryKit.Ai("ev-1"));
            await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        });

        Assert.Single(api.Requests("events/track"));
        Assert.DoesNotContain(Lines(stderr), l => l.Contains("Raindrop sent", StringComparison.Ordinal));
        Assert.DoesNotContain("[raindrop]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_LoggerFactory_the_app_gets_the_lines_and_standard_error_none()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var (_, stderr) = await CaptureConsoleAsync(async () =>
        {
            await using var client = new RaindropClient(new RaindropOptions { LoggerFactory = factory, DebugLogs = true });
        });

        Assert.Contains(logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("WriteKey is not set", StringComparison.Ordinal));
        Assert.DoesNotContain("WriteKey is not set", stderr, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<(string Stdout, string Stderr)> CaptureConsoleAsync(Func<Task> body)
    {
        var (oldOut, oldError) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new ConcurrentWriter(), new ConcurrentWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            await body();
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }

        return (stdout.ToString(), stderr.ToString());
    }

    /// <summary>A thread-safe in-memory writer (the SDK writes from its background workers).</summary>
    private sealed class ConcurrentWriter : TextWriter
    {
        private readonly ConcurrentQueue<string> _parts = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => _parts.Enqueue(value.ToString());

        public override void Write(string? value) => _parts.Enqueue(value ?? string.Empty);

        public override void WriteLine(string? value) => _parts.Enqueue((value ?? string.Empty) + "\n");

        public override string ToString() => string.Concat(_parts);
    }
}
