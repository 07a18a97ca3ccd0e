using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>Statistics, the Raindrop.Sdk meter, logs (never the write key) and the DeliveryFailed event.</summary>
public class ObservabilityTests
{
    private const string SecretKey = "rk_live_SECRET-5d1e7a93c0b24f68";

    [Fact]
    public async Task Statistics_count_enqueued_sent_retried_and_failed_items()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, DeliveryKit.Events, r => r.WithStatusCode(503), r => r.WithStatusCode(204));
        DeliveryKit.Script(api, DeliveryKit.Identify, r => r.WithStatusCode(400));
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(30));

        Assert.Equal(default, client.Statistics);
        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.TrackAi(DeliveryKit.Ai("ev-2"));
        client.TrackAi(DeliveryKit.Ai("ev-3"));
        client.Identify("user-1");
        client.Identify("user-2");
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(new RaindropStatistics(Enqueued: 5, Sent: 3, Retried: 1, Dropped: 0, Failed: 2), client.Statistics);
        Assert.Equal(3, api.Items(DeliveryKit.Events).Count);
    }

    [Fact]
    public async Task The_Raindrop_Sdk_meter_publishes_items_sent()
    {
        using var api = new FakeApi();

        // Other tests' clients publish on meters with the same name at the same time: sum per meter instance.
        var sent = new ConcurrentDictionary<Meter, long>();
        var enqueued = new ConcurrentDictionary<Meter, long>();
        var routes = new ConcurrentDictionary<string, bool>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Raindrop.Sdk")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var counters = instrument.Name switch
            {
                "raindrop.items.sent" => sent,
                "raindrop.items.enqueued" => enqueued,
                _ => null,
            };
            if (counters is null)
            {
                return;
            }

            counters.AddOrUpdate(instrument.Meter, value, (_, total) => total + value);
            foreach (var tag in tags)
            {
                if (tag.Key == "route" && instrument.Name == "raindrop.items.sent")
                {
                    routes[tag.Value?.ToString() ?? string.Empty] = true;
                }
            }
        });
        listener.Start();

        await using var client = api.Client();
        for (var i = 0; i < 37; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"ev-{i}"));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(37, client.Statistics.Sent);
        Assert.Contains(sent, kv => kv.Value == 37 && enqueued.TryGetValue(kv.Key, out var e) && e == 37);
        Assert.Contains(DeliveryKit.Events, routes.Keys);
    }

    [Fact]
    public async Task A_rejection_is_logged_as_a_warning_with_the_status_code()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, DeliveryKit.Events, r => r.WithStatusCode(400).WithBody("{\"error\":\"bad user_id\"}"));
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        await using var client = api.Client(o => o.LoggerFactory = factory);

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var warning = Assert.Single(logs.Records, r => r.Level == LogLevel.Warning);
        Assert.Contains("400", warning.Message, StringComparison.Ordinal);
        Assert.Contains("bad user_id", warning.Message, StringComparison.Ordinal);
        Assert.Contains(DeliveryKit.Events, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_write_key_appears_in_no_log_line_exception_or_failure_report()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, DeliveryKit.Events, r => r.WithStatusCode(503), r => r.WithStatusCode(400).WithBody("rejected"));
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();

        // A healthy-ish server: a retry, a rejection, deliveries (DebugLogs on), a call after close.
        var options = api.Options(o =>
        {
            o.WriteKey = SecretKey;
            o.LoggerFactory = factory;
            o.DebugLogs = true;
        });
        var client = new RaindropClient(options);
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);
        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.TrackSignal(new Signal { EventId = "ev-1", Name = "thumbs_up" });
        client.Identify("user-1");
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await client.DisposeAsync();
        client.TrackAi(DeliveryKit.Ai("ev-late"));

        // A dead endpoint: connection errors, giving up, a full queue.
        var dead = new RaindropClient(new RaindropOptions
        {
            WriteKey = SecretKey,
            Endpoint = $"http://127.0.0.1:{FreePort()}/v1/",
            LoggerFactory = factory,
            DebugLogs = true,
            MaxQueueSize = 2,
            BatchSize = 1,
            MaxConcurrentRequests = 1,
            MaxRetryDuration = TimeSpan.FromMilliseconds(300),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            FlushInterval = TimeSpan.FromMilliseconds(50),
            CloseTimeout = TimeSpan.FromSeconds(2),
        });
        dead.DeliveryFailed += (_, e) => failures.Enqueue(e);
        for (var i = 0; i < 10; i++)
        {
            dead.TrackAi(DeliveryKit.Ai($"dead-{i}"));
        }

        await dead.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await dead.DisposeAsync();
        Assert.True(await FakeApi.Eventually(() => failures.Any(f => f.Reason == DeliveryFailureReason.QueueFull)));

        // The scenarios did produce what is checked.
        Assert.Contains(logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("400", StringComparison.Ordinal));
        Assert.Contains(logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("gave up", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(failures, f => f.Reason == DeliveryFailureReason.RetriesExhausted);
        Assert.Contains(failures, f => f.Reason == DeliveryFailureReason.Rejected);

        var texts = logs.Records.SelectMany(r => r.Texts())
            .Concat(failures.SelectMany(f => new[] { f.Detail, f.Exception?.ToString(), f.Route }))
            .Append(options.ToString())
            .Append(client.Statistics.ToString())
            .Where(t => t is not null);
        Assert.DoesNotContain(texts, t => t!.Contains(SecretKey, StringComparison.Ordinal) || t.Contains("SECRET-5d1e", StringComparison.Ordinal));

        // The key did go where it belongs.
        Assert.All(api.Requests(DeliveryKit.Events), e => Assert.Equal("Bearer " + SecretKey, e.RequestMessage.Headers!["Authorization"][0]));
    }

    [Fact]
    public async Task A_DeliveryFailed_handler_that_throws_does_not_break_delivery()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, DeliveryKit.Events, r => r.WithStatusCode(400), r => r.WithStatusCode(204));
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        await using var client = api.Client(o => o.LoggerFactory = factory);
        var calls = 0;
        client.DeliveryFailed += (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("handler bug");
        };

        client.TrackAi(DeliveryKit.Ai("rejected"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(1, Volatile.Read(ref calls));

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.TrackAi(DeliveryKit.Ai("ev-2"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(["ev-1", "ev-2"], DeliveryKit.Ids(api.Items(DeliveryKit.Events)).Order());
        Assert.Equal(2, client.Statistics.Sent);
        Assert.Equal(1, client.Statistics.Failed);
        Assert.Contains(logs.Records, r => r.Exception is InvalidOperationException { Message: "handler bug" });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task A_missing_write_key_logs_exactly_one_warning(string? writeKey)
    {
        using var api = new FakeApi();
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var client = api.Client(o =>
        {
            o.WriteKey = writeKey;
            o.LoggerFactory = factory;
        });

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.Track(new TrackEvent { UserId = "user-1", Event = "clicked" });
        client.TrackSignal(new Signal { EventId = "ev-1", Name = "thumbs_up" });
        client.Identify("user-1");
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await client.DisposeAsync();
        client.TrackAi(DeliveryKit.Ai("ev-2"));

        var warning = Assert.Single(logs.Records, r => r.Level >= LogLevel.Warning);
        Assert.Contains("WriteKey", warning.Message, StringComparison.Ordinal);
        Assert.Empty(api.Server.LogEntries);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>An <see cref="ILoggerProvider"/> that keeps every log record.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogRecord> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<string?> StateValues)
    {
        /// <summary>Everything a sink could write: the message, the structured values, the exception.</summary>
        public IEnumerable<string?> Texts() => StateValues.Append(Message).Append(Exception?.ToString());
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.Select(p => p.Value?.ToString()).ToList()
                : [state?.ToString()];
            owner.Records.Enqueue(new LogRecord(category, logLevel, eventId, formatter(state, exception), exception, values));
        }
    }
}
