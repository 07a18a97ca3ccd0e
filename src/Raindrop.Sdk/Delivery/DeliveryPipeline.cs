using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// The background half of a client: one <see cref="RouteWorker"/> per route over one <see cref="HttpTransport"/>, one
/// queue budget, and the flush and close of everything the client queued (real time, whatever the app's clock).
/// </summary>
internal sealed class DeliveryPipeline : IDisposable
{
    private readonly CancellationTokenSource _closeDeadline = new();
    private readonly HttpTransport _transport;
    private readonly Outcomes _outcomes;
    private readonly RouteWorker[] _workers;

    public DeliveryPipeline(RaindropOptions options, Uri baseUri, TimeProvider time, Outcomes outcomes)
    {
        _transport = new HttpTransport(options, baseUri, time);
        _outcomes = outcomes;
        var budget = new QueueBudget(options.MaxQueueSize, options.MaxQueueBytes);
        _workers = Array.ConvertAll(Route.All, r => new RouteWorker(r, options, time, budget, _transport, outcomes, _closeDeadline.Token));
    }

    public RouteWorker Events => _workers[Route.Events.Index];

    public RouteWorker Partial => _workers[Route.Partial.Index];

    public RouteWorker Signals => _workers[Route.Signals.Index];

    public RouteWorker Identify => _workers[Route.Identify.Index];

    /// <summary>
    /// The client's flush (WIRE.md §5): pending interaction updates are queued, then events and spans drain side by side;
    /// true when all of it was delivered or permanently rejected within <paramref name="timeout"/>. The deadline only
    /// stops the wait: nothing is dropped. Throws only for the caller's token.
    /// </summary>
    public async Task<bool> FlushAllAsync(Interactions.InteractionRegistry interactions, Tracing.TraceExport spans, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            interactions.FlushPending();
        }
        catch (Exception ex)
        {
            Log.BackgroundError(logger, ex);
        }

        var spansFlushed = spans.FlushAsync(timeout);
        try
        {
            var events = Task.WhenAll(Array.ConvertAll(_workers, w => w.FlushAsync()));
            await Task.WhenAll(events, spansFlushed).WaitAsync(timeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            return await spansFlushed.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The client's close: unfinished interactions go out as pending, then every route and the spans drain side by side
    /// under one deadline; what is not delivered by then is counted as dropped, and this returns by then even if the
    /// server never answers. Never throws.
    /// </summary>
    public async Task CloseAllAsync(Interactions.InteractionRegistry interactions, Tracing.TraceExport spans, TimeSpan timeout, ILogger logger, CancellationToken stop)
    {
        try
        {
            await interactions.CloseAllAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.BackgroundError(logger, ex);
        }

        var started = Stopwatch.GetTimestamp();

        // Sends are cancelled a little before the deadline, so their unwinding (and counting) fits inside it.
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(200).Ticks, timeout.Ticks / 10));
        _closeDeadline.CancelAfter(timeout - margin);
        using var stopping = stop.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _closeDeadline);
        foreach (var worker in _workers)
        {
            worker.Close();
        }

        try
        {
            var drained = Task.WhenAll(Array.ConvertAll(_workers, w => w.Completion));
            var left = timeout - Stopwatch.GetElapsedTime(started);
            await Task.WhenAll(drained, spans.ShutdownAsync(timeout)).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, stop).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A drain cut short by the deadline or the host's stop: returning on time matters more.
            if (ex is not (TimeoutException or OperationCanceledException))
            {
                Log.BackgroundError(logger, ex);
            }
        }

        await _closeDeadline.CancelAsync().ConfigureAwait(false);
        foreach (var route in Route.All)
        {
            _outcomes.Abandon(route);
        }

        Dispose();
    }

    public void Dispose()
    {
        _closeDeadline.Cancel();
        _ = ReleaseAsync();
    }

    /// <summary>Releases the transport once the workers have ended: disposed under a running send, it would fail it.</summary>
    private async Task ReleaseAsync()
    {
        await Task.WhenAll(Array.ConvertAll(_workers, w => w.Completion)).ConfigureAwait(false);
        _transport.Dispose();
        _closeDeadline.Dispose();
    }
}

/// <summary>The queue's two bounds, items and approximate bytes, shared by a client's routes: from enqueue until written.</summary>
internal sealed class QueueBudget(long maxItems, long maxBytes)
{
    private long _items;
    private long _bytes;

    public bool IsOver => Volatile.Read(ref _items) > maxItems || Volatile.Read(ref _bytes) > maxBytes;

    /// <summary>At (or over) a bound: the next item makes it over.</summary>
    public bool IsFull => Volatile.Read(ref _items) >= maxItems || Volatile.Read(ref _bytes) >= maxBytes;

    public void Add(int items, long bytes)
    {
        Interlocked.Add(ref _items, items);
        Interlocked.Add(ref _bytes, bytes);
    }
}
