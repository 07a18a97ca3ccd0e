using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Raindrop.Delivery;

/// <summary>The retry rule of every request the SDK sends, events and span exports alike (WIRE.md §5): a Polly pipeline.</summary>
internal static class RetryPolicy
{
    private static readonly ResiliencePropertyKey<long> FailingSinceKey = new("raindrop.retry.failing-since");
    private static readonly ResiliencePropertyKey<RetryCounters?> CountersKey = new("raindrop.retry.counters");

    /// <summary>
    /// Retries network errors, attempt timeouts, 408, 429 and 5xx with jittered exponential backoff (or Retry-After), capped
    /// at <c>MaxRetryDelay</c>, until the request has been failing for <c>MaxRetryDuration</c>; each attempt runs under
    /// <c>RequestTimeout</c>. Calls nothing back: retried attempts are counted into the context's counters, if any.
    /// </summary>
    public static ResiliencePipeline<HttpResponseMessage> Create(RaindropOptions options, TimeProvider time)
    {
        var maxDuration = options.MaxRetryDuration;
        var maxDelay = options.MaxRetryDelay;
        var baseDelay = options.RetryBaseDelay;

        // The attempt timeout protects the app, so it runs on the real clock; backoff and the budget follow the app's.
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
                Delay = baseDelay,
                MaxDelay = maxDelay,

                // While closing, the close deadline bounds what is left: a long backoff would only outlast it.
                DelayGenerator = args => ValueTask.FromResult(Counters(args.Context) is { Closing: true }
                    ? baseDelay * (0.5 + (Random.Shared.NextDouble() / 2))
                    : RetryAfter(args.Outcome.Result, time, maxDelay)),
                OnRetry = args =>
                {
                    Counters(args.Context)?.AttemptFailed();
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddPipeline(perAttempt)
            .Build();
    }

    /// <summary>A pooled context for one request; give it back with <see cref="Return"/>.</summary>
    public static ResilienceContext Rent(RetryCounters? counters, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CountersKey, counters);
        return context;
    }

    public static void Return(ResilienceContext context) => ResilienceContextPool.Shared.Return(context);

    public static bool IsTransientStatus(int code) => code is 408 or 429 || code >= 500;

    private static RetryCounters? Counters(ResilienceContext context) =>
        context.Properties.TryGetValue(CountersKey, out var counters) ? counters : null;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is not null
            ? outcome.Exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException
            : IsTransientStatus((int)outcome.Result!.StatusCode);

    private static bool WithinBudget(ResilienceContext context, TimeProvider time, TimeSpan maxDuration)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            return false; // the close deadline is not a transient failure
        }

        if (!context.Properties.TryGetValue(FailingSinceKey, out var since))
        {
            context.Properties.Set(FailingSinceKey, time.GetTimestamp()); // a request that succeeds stores nothing
            return true;
        }

        return time.GetElapsedTime(since) < maxDuration;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time, TimeSpan maxDelay)
    {
        var header = response?.Headers.RetryAfter;
        TimeSpan? delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is not { } d ? null : d < TimeSpan.Zero ? TimeSpan.Zero : d > maxDelay ? maxDelay : d;
    }
}

/// <summary>
/// A route's retry counts, written by the <see cref="RetryPolicy"/> pipeline and read by the route's worker (no
/// callbacks): attempts retried, and failed attempts since the last answer from a working server. Thread-safe.
/// </summary>
internal sealed class RetryCounters
{
    private long _retries;
    private int _failuresInARow;
    private volatile bool _closing;

    public long Retries => Interlocked.Read(ref _retries);

    public int FailuresInARow => Volatile.Read(ref _failuresInARow);

    /// <summary>Set once the route is closing: later retry waits are short.</summary>
    public bool Closing
    {
        get => _closing;
        set => _closing = value;
    }

    public void AttemptFailed()
    {
        Interlocked.Increment(ref _retries);
        Interlocked.Increment(ref _failuresInARow);
    }

    /// <summary>A working server answered (2xx, or a rejection that is not retried).</summary>
    public void Answered() => Volatile.Write(ref _failuresInARow, 0);
}
