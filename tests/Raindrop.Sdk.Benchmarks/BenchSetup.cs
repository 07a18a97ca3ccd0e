using System.Collections.Concurrent;
using System.Globalization;

namespace Raindrop.Benchmarks;

/// <summary>
/// The client every caller-side benchmark uses, and a typical event's contents.
/// </summary>
/// <remarks>
/// The client must not do background work while the caller is measured: BenchmarkDotNet's Allocated column is
/// process-wide (<c>GC.GetTotalAllocatedBytes(precise: true)</c>), so a worker serializing and sending batches
/// would be charged to the caller. A long <c>FlushInterval</c> and a huge <c>BatchSize</c> alone do not get
/// there: a worker still sends once its batch holds <c>MaxBodyBytes</c> (1 MiB, about 1,500 typical events), and
/// the partial-event route sends every item on its own. Against an endpoint nobody listens on those sends are
/// refused and retried, the queue fills, and the run measures a full queue with ~128 MiB of live items
/// (every GC a gen1). So the client below sends through an in-process handler that never answers (no socket is
/// ever opened, the endpoint is never contacted) with one request in flight per route: each route's worker
/// parks its first request and, waiting for that slot, takes nothing more. After <see cref="Prime"/> the queue is
/// at its (small) bound, so each call enqueues its item and drops the oldest one of its route. The caller pays
/// for that drop too (a dequeue, the counters, the queue-full report). In exchange, items die young, as they
/// do in an app whose server keeps up, and nothing runs in the background.
/// </remarks>
internal static class BenchSetup
{
    public const int QueueBound = 1_000;

    // A typical chat turn: ~110 chars in, ~270 chars out.
    public const string Input = "My order #48213 arrived with a cracked screen. Can I get a replacement shipped before Friday, or only a refund?";

    public const string Output = "I'm sorry your order arrived damaged. I can ship a replacement today with express delivery, so it should reach you by Thursday. "
        + "I've also started a return for the damaged unit; you'll get a prepaid label by email. Would you like me to go ahead with the replacement now?";

    public const string Model = "gpt-4o-mini";

    public const string ConvoId = "convo-7f3a9c21";

    public const string UserId = "user-19283";

    public static Dictionary<string, object?> Properties { get; } = new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["plan"] = "pro",
        ["locale"] = "en-US",
    };

    public static (RaindropClient Client, ParkingHandler Handler) CreateClient()
    {
        var handler = new ParkingHandler();
        var options = new RaindropOptions
        {
            WriteKey = "bench-write-key",
            Endpoint = "http://127.0.0.1:9/v1/", // never contacted: the handler answers in-process (it never does)
            HttpMessageHandler = handler,
            FlushInterval = TimeSpan.FromHours(1),
            BatchSize = 100,
            MaxQueueSize = QueueBound,
            PartialFlushInterval = TimeSpan.FromHours(1),
            RequestTimeout = TimeSpan.FromHours(1), // the parked request never times out and retries during the run
            CloseTimeout = TimeSpan.FromMilliseconds(200),
            UseExternalOpenTelemetry = true, // no TracerProvider: nothing listens to Raindrop.Sdk unless a benchmark adds a listener
            MaxConcurrentRequests = 1,
        };
        return (new RaindropClient(options), handler);
    }

    /// <summary>Runs <paramref name="operation"/> until <paramref name="routes"/> routes have parked a request, then fills the queue to its bound.</summary>
    public static void Prime(ParkingHandler handler, int routes, Action operation)
    {
        for (var i = 0; handler.Parked < routes; i++)
        {
            if (i > 1_000_000)
            {
                throw new InvalidOperationException($"The delivery workers did not park (parked {handler.Parked} of {routes}).");
            }

            operation();
            if (i % 64 == 0)
            {
                Thread.Sleep(1);
            }
        }

        // The worker that parked may still take one more batch before it waits for the slot; then the queue fills.
        Thread.Sleep(50);
        for (var i = 0; i < 4 * QueueBound; i++)
        {
            operation();
        }
    }

    public static void Close(RaindropClient client, ParkingHandler handler, string benchmark)
    {
        // Shown in the benchmark's log: what the client did during the run (Sent must be 0).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// {benchmark}: {client.Statistics}; requests parked in-process: {handler.Describe()}"));
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        handler.Dispose();
    }
}

/// <summary>An in-process HTTP handler that never answers: each request waits until it is cancelled (at close).</summary>
internal sealed class ParkingHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, int> _byPath = new(StringComparer.Ordinal);
    private int _parked;

    public int Parked => Volatile.Read(ref _parked);

    public string Describe() => _byPath.IsEmpty ? "none" : string.Join(", ", _byPath.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} x{p.Value}"));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _byPath.AddOrUpdate(request.RequestUri?.AbsolutePath ?? "?", 1, static (_, n) => n + 1);
        Interlocked.Increment(ref _parked);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        throw new OperationCanceledException(cancellationToken);
    }
}
