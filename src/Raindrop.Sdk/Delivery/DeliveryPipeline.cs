using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// The background half of a client: one <see cref="RouteWorker"/> per route over one HTTP transport, one
/// queue budget and one close deadline.
/// </summary>
internal sealed class DeliveryPipeline : IDisposable
{
    private readonly CancellationTokenSource _closeDeadline = new();
    private readonly LazyTransport _transport;
    private readonly RouteWorker[] _workers;
    private readonly TimeProvider _time;

    public DeliveryPipeline(RaindropOptions options, Uri baseUri, TimeProvider time, SdkMetrics metrics, ILogger logger, Action<DeliveryFailedEventArgs> reportFailure)
    {
        _time = time;
        _transport = new LazyTransport(() => new HttpTransport(options, baseUri, time));
        var context = new DeliveryContext
        {
            Options = options,
            Time = time,
            Transport = _transport,
            Wire = new WireContext(),
            Metrics = metrics,
            Budget = new QueueBudget(options.MaxQueueSize, options.MaxQueueBytes),
            Logger = logger,
            ReportFailure = reportFailure,
            CloseDeadline = _closeDeadline.Token,
        };
        Events = new RouteWorker(Route.Events, context);
        Partial = new RouteWorker(Route.Partial, context);
        Signals = new RouteWorker(Route.Signals, context);
        Identify = new RouteWorker(Route.Identify, context);
        _workers = [Events, Partial, Signals, Identify]; // each starts its loop with its first item
    }

    public RouteWorker Events { get; }

    public RouteWorker Partial { get; }

    public RouteWorker Signals { get; }

    public RouteWorker Identify { get; }

    /// <summary>Builds the HTTP transport now, off the app's threads (the warm-up thread, after construction).</summary>
    public void PrepareTransport() => _ = _transport.Value;

    /// <summary>Completes (with true) when everything queued before the call is delivered or has permanently failed.</summary>
    public async Task<bool> FlushAsync()
    {
        await Task.WhenAll(_workers.Select(w => w.FlushAsync())).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Stops intake and drains every route under one deadline: whatever is not sent when it passes is
    /// cancelled and counted as dropped, and this returns by then even if the server never answers.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        var started = _time.GetTimestamp();

        // Sends are cancelled a little before the deadline so their unwinding fits inside it.
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(200).Ticks, timeout.Ticks / 10));
        _closeDeadline.CancelAfter(timeout - margin);
        foreach (var worker in _workers)
        {
            worker.Close();
        }

        try
        {
            // The workers end soon after the deadline cancels their sends; the outer wait is the guarantee.
            var left = timeout - _time.GetElapsedTime(started);
            await Task.WhenAll(_workers.Select(w => w.Completion)).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Returning on time matters more than the last items.
        }

        // Whatever is not delivered by now is cancelled and counted as dropped before close returns.
        await _closeDeadline.CancelAsync().ConfigureAwait(false);
        foreach (var worker in _workers)
        {
            worker.Abandon();
        }
    }

    /// <summary>
    /// Releases the transport once the workers have unwound (after <see cref="CloseAsync"/> they are cancelled and
    /// end promptly); disposing the HTTP client under a running send would turn it into a bogus network error.
    /// </summary>
    public void Dispose()
    {
        var done = Task.WhenAll(_workers.Select(w => w.Completion));
        if (done.IsCompleted)
        {
            Release();
        }
        else
        {
            _ = done.ContinueWith(static (_, self) => ((DeliveryPipeline)self!).Release(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Release()
    {
        _transport.Dispose();
        _closeDeadline.Dispose();
    }
}
