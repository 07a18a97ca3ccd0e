using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Raindrop.Delivery;

/// <summary>
/// The retry policy of every request the SDK sends (events, signals, identify, and the OTLP span export), as a Polly
/// pipeline with no callbacks into its callers (WIRE.md §5).
/// </summary>
/// <remarks>
/// <para>Contract of the pipeline made by <see cref="Create"/>:</para>
/// <list type="bullet">
/// <item>Retries network errors (<see cref="HttpRequestException"/>, <see cref="IOException"/>), attempt timeouts (an
/// <see cref="HttpClient"/>'s own timeout included), 408, 429 and 5xx; any other answer is returned as is.</item>
/// <item>Waits with exponential backoff and jitter, the first about <c>RetryBaseDelay</c>, capped at <c>MaxRetryDelay</c>;
/// a <c>Retry-After</c> header (seconds or an HTTP date) replaces the backoff, capped at <c>MaxRetryDelay</c>. Waits
/// follow the given <see cref="TimeProvider"/>.</item>
/// <item>Runs each attempt under <c>RequestTimeout</c> measured in real time, whatever the <see cref="TimeProvider"/>
/// (a frozen test clock must not hang a request).</item>
/// <item>Stops retrying once <c>MaxRetryDuration</c> has passed (on the <see cref="TimeProvider"/>) since the first
/// attempt, or when the context's token is cancelled. Rent the context with <see cref="Rent"/>, which stamps the start;
/// a context from elsewhere is bounded from its first failure.</item>
/// <item>Disposes every response it retries; the last outcome (a response the caller then owns, or an exception) is
/// what <c>ExecuteOutcomeAsync</c> returns.</item>
/// <item>Counts, when the context carries <see cref="RetryCounters"/> (<see cref="Rent"/>): each retried attempt adds to
/// <see cref="RetryCounters.Retries"/> and <see cref="RetryCounters.FailuresInARow"/>. Nothing else leaves the pipeline.</item>
/// <item>Hurries while <see cref="RetryCounters.Closing"/> is set: each wait is then 0.5–1× <c>RetryBaseDelay</c>
/// (<c>Retry-After</c> included), since a close deadline, not the backoff, bounds what is left; a flapping server
/// must not leave one unlucky request in a long backoff past it.</item>
/// </list>
/// </remarks>
internal static class RetryPolicy
{
    private static readonly ResiliencePropertyKey<long> StartedKey = new("raindrop.retry.started");
    private static readonly ResiliencePropertyKey<RetryCounters?> CountersKey = new("raindrop.retry.counters");

    /// <summary>Builds the pipeline (see the type's remarks); one per client, shared by its requests.</summary>
    /// <param name="options">RetryBaseDelay, MaxRetryDelay, MaxRetryDuration and RequestTimeout.</param>
    /// <param name="time">The clock of backoff and of the retry budget.</param>
    /// <returns>A pipeline whose outcomes are <see cref="HttpResponseMessage"/>s.</returns>
    public static ResiliencePipeline<HttpResponseMessage> Create(RaindropOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var maxDuration = options.MaxRetryDuration;
        var maxDelay = options.MaxRetryDelay;

        // The attempt timeout is its own pipeline on the real clock; the retry around it follows the app's clock.
        var perAttempt = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = TimeProvider.System }
            .AddTimeout(options.RequestTimeout)
            .Build();

        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && WithinBudget(args.Context, time, maxDuration)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = maxDelay,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Context.Properties.TryGetValue(CountersKey, out var counters) && counters is { Closing: true }
                        ? options.RetryBaseDelay * (0.5 + (Random.Shared.NextDouble() / 2))
                        : RetryAfter(args.Outcome.Result, time, maxDelay)),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(CountersKey, out var counters))
                    {
                        counters?.AttemptFailed();
                    }

                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddPipeline(perAttempt)
            .Build();
    }

    /// <summary>A pooled context whose retry budget starts now; give it back with <see cref="Return"/>.</summary>
    /// <param name="time">The same clock as the pipeline's.</param>
    /// <param name="counters">Counts to add retried attempts to, or null.</param>
    /// <param name="cancellationToken">Cancels the attempt and the waits (e.g. a close deadline).</param>
    /// <returns>The context to pass to <c>ExecuteOutcomeAsync</c>.</returns>
    public static ResilienceContext Rent(TimeProvider time, RetryCounters? counters, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StartedKey, time.GetTimestamp());
        context.Properties.Set(CountersKey, counters);
        return context;
    }

    /// <summary>Returns a context from <see cref="Rent"/>.</summary>
    /// <param name="context">The context.</param>
    public static void Return(ResilienceContext context) => ResilienceContextPool.Shared.Return(context);

    /// <summary>Whether an HTTP status is retried: 408, 429 and 5xx.</summary>
    /// <param name="code">The status code.</param>
    /// <returns>True for a transient status.</returns>
    public static bool IsTransientStatus(int code) => code is 408 or 429 || code >= 500;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is not null
            ? outcome.Exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException
            : IsTransientStatus((int)outcome.Result!.StatusCode);

    private static bool WithinBudget(ResilienceContext context, TimeProvider time, TimeSpan maxDuration)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            return false; // the caller's cancellation (e.g. the close deadline) is not a transient failure
        }

        if (!context.Properties.TryGetValue(StartedKey, out var started))
        {
            context.Properties.Set(StartedKey, time.GetTimestamp());
            return true;
        }

        return time.GetElapsedTime(started) < maxDuration;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time, TimeSpan maxDelay)
    {
        var header = response?.Headers.RetryAfter;
        TimeSpan? delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is not { } d ? null : d < TimeSpan.Zero ? TimeSpan.Zero : d > maxDelay ? maxDelay : d;
    }
}

/// <summary>
/// What a <see cref="RetryPolicy"/> pipeline counts while requests run, for a caller to read (no callbacks): retried
/// attempts, and failed attempts since the caller last saw an answer (<see cref="Answered"/>). Thread-safe.
/// </summary>
internal sealed class RetryCounters
{
    private long _retries;
    private int _failuresInARow;
    private bool _closing;

    /// <summary>Attempts that failed and were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Failed attempts since the last answer from a working server.</summary>
    public int FailuresInARow => Volatile.Read(ref _failuresInARow);

    /// <summary>Set once its owner is closing: later waits are short (see <see cref="RetryPolicy"/>).</summary>
    public bool Closing
    {
        get => Volatile.Read(ref _closing);
        set => Volatile.Write(ref _closing, value);
    }

    /// <summary>An attempt failed and is retried.</summary>
    public void AttemptFailed()
    {
        Interlocked.Increment(ref _retries);
        Interlocked.Increment(ref _failuresInARow);
    }

    /// <summary>A working server answered (2xx, or a rejection that is not retried).</summary>
    public void Answered() => Volatile.Write(ref _failuresInARow, 0);
}
