using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Raindrop.Delivery;

/// <summary>
/// The one retry rule of every request the SDK sends (WIRE.md §5), events and trace exports alike: network errors,
/// attempt timeouts, 408, 429 and 5xx are retried with exponential backoff and jitter, a <c>Retry-After</c> replaces the
/// backoff (capped at <see cref="RaindropOptions.MaxRetryDelay"/>), each attempt runs under
/// <see cref="RaindropOptions.RequestTimeout"/>, and no attempt starts once the request has been failing for
/// <see cref="RaindropOptions.MaxRetryDuration"/>. Retried responses are disposed; the caller sees the last outcome.
/// Start each request with <see cref="Rent"/> (it starts the retry budget) and give the context back with <see cref="Return"/>.
/// </summary>
internal static class RetryPolicy
{
    private static readonly ResiliencePropertyKey<long> StartedKey = new("raindrop.started");

    public static ResiliencePipeline<HttpResponseMessage> Create(RaindropOptions options, TimeProvider time)
    {
        var maxDuration = options.MaxRetryDuration;
        var maxDelay = options.MaxRetryDelay;
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && WithinBudget(args.Context, time, maxDuration)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = maxDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, time, maxDelay)),
                OnRetry = static args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    /// <summary>A context for one request whose retry budget starts now.</summary>
    public static ResilienceContext Rent(TimeProvider time, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StartedKey, time.GetTimestamp());
        return context;
    }

    public static void Return(ResilienceContext context) => ResilienceContextPool.Shared.Return(context);

    public static bool IsTransientStatus(int code) => code is 408 or 429 || code >= 500;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is not null
            ? outcome.Exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException
            : IsTransientStatus((int)outcome.Result!.StatusCode);

    private static bool WithinBudget(ResilienceContext context, TimeProvider time, TimeSpan maxDuration) =>
        !context.CancellationToken.IsCancellationRequested
        && context.Properties.TryGetValue(StartedKey, out var started)
        && time.GetElapsedTime(started) < maxDuration;

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time, TimeSpan maxDelay)
    {
        var header = response?.Headers.RetryAfter;
        TimeSpan? delay = header is null ? null : header.Delta ?? (header.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is not { } d ? null : d < TimeSpan.Zero ? TimeSpan.Zero : d > maxDelay ? maxDelay : d;
    }
}
