using System.Collections.Concurrent;
using System.Threading.Channels;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// The queue and background loop of one route.
/// </summary>
/// <remarks>
/// Producers write to an unbounded channel and, when the client's <see cref="QueueBudget"/> is over, take the
/// oldest items back out and count them as dropped: enqueue never blocks. One loop reads the channel into a
/// batch and sends it when it holds <c>BatchSize</c> items (or 1 MiB), when <c>FlushInterval</c> has passed
/// since its first item, on a flush request, or while closing. Up to <c>MaxConcurrentRequests</c> requests are
/// in flight while the server is healthy; once one is retrying, the loop waits for the in-flight requests
/// before starting another, so items wait in the bounded queue rather than piling onto a failing server.
/// A flush request is a drain target: the loop sends what the channel held when it took the request, then
/// completes the request when every request started so far has ended. Nothing enqueued later is waited on,
/// and nothing is sent twice.
/// </remarks>
internal sealed partial class RouteWorker
{
    private readonly Route _route;
    private readonly DeliveryContext _ctx;
    private readonly BatchSerializer _serializer;
    private readonly Channel<QueuedItem> _channel = Channel.CreateUnbounded<QueuedItem>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly ConcurrentQueue<TaskCompletionSource> _flushRequests = new();
    private readonly RequestWindow _window;
    private readonly ConcurrentDictionary<RequestBody, byte> _unsettled = new();
    private readonly RateLimiter _dropWarnings;
    private readonly RateLimiter _closeWarnings;
    private readonly RateLimiter _rejectWarnings;
    private readonly RateLimiter _gaveUpWarnings;
    private long _unreportedDrops;
    private int _dropReportScheduled;
    private readonly int _batchSize;
    private TaskCompletionSource _wake = NewSignal();
    private volatile bool _closing;
    private int _itemsToFill;
    private readonly HeldItems _held = new();
    private Task _loop = Task.CompletedTask;

    public RouteWorker(Route route, DeliveryContext context)
    {
        _route = route;
        _ctx = context;
        _serializer = new BatchSerializer(context.Wire, context.Options.MaxBodyBytes);
        _dropWarnings = new RateLimiter(context.Time);
        _closeWarnings = new RateLimiter(context.Time);
        _rejectWarnings = new RateLimiter(context.Time);
        _gaveUpWarnings = new RateLimiter(context.Time);
        _batchSize = route.IsBatched ? context.Options.BatchSize : 1;
        _window = new RequestWindow(context.Options.MaxConcurrentRequests);
    }

    public Task Completion => _loop;

    /// <summary>Starts the loop; a loop that fails unexpectedly (a bug) is logged and restarted, so the route lives on.</summary>
    public void Start() => _loop = Task.Run(async () =>
    {
        while (await RunAsync().ConfigureAwait(false))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time).ConfigureAwait(false); // no hot spin on a repeating bug
        }
    });

    /// <summary>Queues an item; false once the route is closed. Never blocks.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
    public bool TryEnqueue(QueuedItem item)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            // Raced with close: the call was accepted but can no longer be sent.
            _ctx.Metrics.Dropped(_route.Path, 1);
            return false;
        }

        _ctx.Budget.Add(item.EstimatedBytes);
        _ctx.Metrics.Enqueued(_route.Path);
        if (_ctx.Budget.IsOver)
        {
            DropOldest();
        }

        // The loop holds a partial batch and waits for this many more items: wake it once they are here.
        var toFill = Volatile.Read(ref _itemsToFill);
        if (toFill > 0 && _channel.Reader.Count >= toFill && Interlocked.Exchange(ref _itemsToFill, 0) != 0)
        {
            Wake();
        }

        return true;
    }

    /// <summary>Completes when everything queued on this route before the call is delivered or has failed.</summary>
    public Task FlushAsync()
    {
        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushRequests.Enqueue(request);
        Wake();
        if (_loop.IsCompleted)
        {
            request.TrySetResult();
        }

        return request.Task;
    }

    /// <summary>Stops intake; the loop sends what is left (without waiting for the batch interval) and ends.</summary>
    public void Close()
    {
        _closing = true;
        _channel.Writer.TryComplete();
        Wake();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake() => Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();

    /// <returns>True when the loop failed and should be restarted.</returns>
    private async Task<bool> RunAsync()
    {
        var batch = new List<QueuedItem>(_batchSize);
        long batchBytes = 0;
        long batchStarted = 0;
        Task<bool>? readable = null;
        var reader = _channel.Reader;
        var interval = _ctx.Options.FlushInterval;
        var maxBytes = _ctx.Options.MaxBodyBytes;
        using var batchTimer = _ctx.Time.CreateTimer(static self => ((RouteWorker)self!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                var wake = Volatile.Read(ref _wake).Task;
                var requests = _flushRequests.Count;
                if (requests > 0)
                {
                    // Drain target: what the channel holds now; items enqueued after this are not waited on.
                    var target = reader.Count;
                    for (var i = 0; i < target && reader.TryRead(out var item); i++)
                    {
                        Take(batch, item, ref batchBytes);
                        if (batch.Count >= _batchSize || batchBytes >= maxBytes)
                        {
                            await DispatchAsync(batch).ConfigureAwait(false);
                            batchBytes = 0;
                        }
                    }

                    if (batch.Count > 0)
                    {
                        await DispatchAsync(batch).ConfigureAwait(false);
                        batchBytes = 0;
                    }

                    var pending = _window.AllEnded();
                    for (var i = 0; i < requests && _flushRequests.TryDequeue(out var request); i++)
                    {
                        _ = pending.ContinueWith(static (_, r) => ((TaskCompletionSource)r!).TrySetResult(), request, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }

                    continue;
                }

                while (batch.Count < _batchSize && batchBytes < maxBytes && reader.TryRead(out var next))
                {
                    if (batch.Count == 0)
                    {
                        batchStarted = _ctx.Time.GetTimestamp();
                    }

                    Take(batch, next, ref batchBytes);
                }

                var due = batch.Count >= _batchSize || batchBytes >= maxBytes || _closing
                    || (batch.Count > 0 && _ctx.Time.GetElapsedTime(batchStarted) >= interval);
                if (batch.Count > 0 && due)
                {
                    await DispatchAsync(batch).ConfigureAwait(false);
                    batchBytes = 0;
                    continue;
                }

                if (reader.Completion.IsCompleted)
                {
                    break;
                }

                if (batch.Count > 0)
                {
                    // A partial batch waits for the interval, or for enough items to fill it (producers wake the loop
                    // then, see TryEnqueue), not for every single item: one wake-up per batch, not per event. One
                    // timer per worker, re-armed for what is left of the interval before every wait (a timer can fire
                    // a little early, and a new timer per wait would churn the finalizer queue).
                    var left = interval - _ctx.Time.GetElapsedTime(batchStarted);
                    batchTimer.Change(left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                    var needed = _batchSize - batch.Count;
                    Volatile.Write(ref _itemsToFill, needed);
                    if (reader.Count < needed)
                    {
                        await wake.ConfigureAwait(false);
                    }

                    Volatile.Write(ref _itemsToFill, 0);
                    continue;
                }

                readable ??= reader.WaitToReadAsync().AsTask();
                await Task.WhenAny(readable, wake).ConfigureAwait(false);

                if (readable.IsCompleted)
                {
                    readable = null;
                }
            }

            await _window.AllEnded().ConfigureAwait(false);
            return false;
        }
        catch (Exception ex)
        {
            // A bug, not a delivery failure: count what this loop held, never let it reach the app, and go on.
            var lost = _held.ClaimAll();
            Log.WorkerError(_ctx.Logger, ex, _route.Path, lost);
            _ctx.Metrics.Failed(_route.Path, lost);
            return !_ctx.CloseDeadline.IsCancellationRequested;
        }
        finally
        {
            while (_flushRequests.TryDequeue(out var request))
            {
                request.TrySetResult();
            }
        }
    }

    private void Settle(int n, Action<int> count)
    {
        var claimed = _held.Claim(n);
        if (claimed > 0)
        {
            count(claimed);
        }
    }

    private void Take(List<QueuedItem> batch, QueuedItem item, ref long batchBytes)
    {
        _held.Add();
        batch.Add(item);
        batchBytes += item.EstimatedBytes;
    }

    private async Task DispatchAsync(List<QueuedItem> batch)
    {
        var count = batch.Count;
        long bytes = 0;
        foreach (var item in batch)
        {
            bytes += item.EstimatedBytes;
        }

        _ctx.Budget.Remove(count, bytes);
        if (_ctx.CloseDeadline.IsCancellationRequested)
        {
            batch.Clear();
            Settle(count, Dropped);
            return;
        }

        List<RequestBody> bodies;
        try
        {
            bodies = _serializer.Serialize(batch, _route.IsBatched);
        }
        catch (Exception ex)
        {
            // A bug, not a delivery failure: count the batch and keep the loop (and the route) alive.
            Log.WorkerError(_ctx.Logger, ex, _route.Path, count);
            Settle(count, n => _ctx.Metrics.Failed(_route.Path, n));
            _serializer.ResetCounts();
            return;
        }
        finally
        {
            batch.Clear();
        }

        if (_serializer.ShrunkCount > 0)
        {
            Log.Shrunk(_ctx.Logger, _serializer.ShrunkCount, _route.Path);
        }

        if (_serializer.FailedCount > 0)
        {
            Settle(_serializer.FailedCount, n => _ctx.Metrics.Failed(_route.Path, n));
            Log.Unwritable(_ctx.Logger, _serializer.FailedCount, _route.Path);
        }

        _serializer.ResetCounts();

        foreach (var body in bodies)
        {
            await _window.WaitForSlotAsync(body.OrderKey).ConfigureAwait(false);
            lock (_held.Gate)
            {
                // Held items become a request's atomically with respect to Abandon: counted by one or the other.
                if (_held.Claim(body.Count) < body.Count)
                {
                    continue; // the close deadline passed and Abandon counted them
                }

                _unsettled[body] = 0;
            }

            _window.Add(SendAsync(body), body.OrderKey);
        }
    }
}
