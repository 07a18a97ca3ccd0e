using System.Collections.Concurrent;

namespace Raindrop.Delivery;

/// <summary>
/// One route's delivery loop, composed of small parts: the <see cref="ItemQueue"/> (bounded, lock-free, drop-oldest),
/// the <see cref="Batcher"/> (count, bytes, interval), the <see cref="Dispatcher"/> (requests in flight) and the
/// <see cref="OutcomeSettler"/> (counts and reports).
/// </summary>
/// <remarks>
/// The loop sends a batch when it is full, when <c>FlushInterval</c> has passed since its first item, on a flush
/// request, or while closing; between batches it sleeps until the queue holds enough items to fill one (one wake-up
/// per batch, not per event). A flush request is a drain target: the loop sends what the queue held when it took the
/// request, then completes the request when every request started so far has ended. Nothing enqueued later is waited
/// on, and nothing is sent twice.
/// </remarks>
internal sealed class RouteWorker
{
    private readonly DeliveryContext _ctx;
    private readonly ItemQueue _queue;
    private readonly Batcher _batch;
    private readonly Dispatcher _dispatcher;
    private readonly OutcomeSettler _settler;
    private readonly ConcurrentQueue<TaskCompletionSource> _flushRequests = new();
    private readonly Func<bool> _hasWork;
    private volatile bool _closing;
    private readonly object _startGate = new();
    private Task? _loop; // null until the route's first item starts it
    private int _timerFired;

    public RouteWorker(Route route, DeliveryContext context)
    {
        _ctx = context;
        _queue = new ItemQueue(context.Budget);
        _settler = new OutcomeSettler(route, context);
        _dispatcher = new Dispatcher(route, context, _settler);
        _batch = new Batcher(route.IsBatched ? context.Options.BatchSize : 1, context.Options.MaxBodyBytes, context.Options.FlushInterval, context.Time);
        // Checked after the loop arms its wait: a timer that fired (even a little early, before the wait was armed), a
        // flush or close, or a queue at its bound (a partial batch must go, or newer items are dropped while it waits).
        _hasWork = () => _closing || !_flushRequests.IsEmpty || Interlocked.Exchange(ref _timerFired, 0) != 0 || _batch.IsDue
            || (_batch.Count > 0 && _queue.AtBound);
    }

    public Task Completion => Volatile.Read(ref _loop) ?? Task.CompletedTask;

    /// <summary>
    /// Starts the loop, once, with the route's first item (a route the app never uses costs no thread-pool work, and
    /// construction does not wait on four loops starting). A loop that fails unexpectedly (a bug) is logged and
    /// restarted, so the route lives on.
    /// </summary>
    private void EnsureStarted()
    {
        if (Volatile.Read(ref _loop) is not null)
        {
            return;
        }

        lock (_startGate)
        {
            // Only the first items of a route get here; whoever else raced in waits until the loop is there, so a flush
            // right after its own item always finds the loop that will send it.
            if (_loop is null)
            {
                Volatile.Write(ref _loop, StartLoop());
            }
        }
    }

    private Task StartLoop()
    {
        // Started from the app's call: without its ExecutionContext, so no ambient Activity or interaction of the caller
        // leaks into the loop (WIRE.md §7).
        var flow = ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow();
        try
        {
            return Task.Run(async () =>
            {
                while (await RunAsync().ConfigureAwait(false))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time).ConfigureAwait(false); // no hot spin on a repeating bug
                }
            });
        }
        finally
        {
            flow?.Undo();
        }
    }

    /// <summary>Queues an item; false once the route is closed. Never blocks.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
    public bool TryEnqueue(QueuedItem item)
    {
        if (!_queue.TryAdd(item, out var dropped))
        {
            _settler.Refused(); // raced with close: accepted, but can no longer be sent
            return false;
        }

        _settler.Enqueued();
        if (Volatile.Read(ref _loop) is null)
        {
            EnsureStarted(); // the first items only (it takes a lock, so it stays out of this optimized method)
        }

        if (dropped > 0)
        {
            _settler.QueueFull(dropped);
        }

        return true;
    }

    /// <summary>Completes when everything queued on this route before the call is delivered or has failed.</summary>
    public Task FlushAsync()
    {
        var loop = Volatile.Read(ref _loop);
        if (loop is null)
        {
            return Task.CompletedTask; // no item ever reached this route
        }

        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushRequests.Enqueue(request);
        _queue.Wake();

        // A loop that ends (close) completes every request, including one it can no longer see.
        _ = loop.ContinueWith(static (_, r) => ((TaskCompletionSource)r!).TrySetResult(), request, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return request.Task;
    }

    /// <summary>Stops intake; the loop sends what is left (without waiting for the batch interval) and ends.</summary>
    public void Close()
    {
        _closing = true;
        _queue.Close();
    }

    /// <summary>
    /// At the close deadline: counts everything not yet delivered (held, in flight or still queued) as dropped now,
    /// so the counters are final when close returns.
    /// </summary>
    public void Abandon()
    {
        var count = _dispatcher.Abandon() + _queue.DrainAll();
        if (count > 0)
        {
            _settler.CloseDropped(count);
        }

        _settler.CloseEnded();
    }

    /// <returns>True when the loop failed and should be restarted.</returns>
    private async Task<bool> RunAsync()
    {
        using var timer = _ctx.Time.CreateTimer(static w => ((RouteWorker)w!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                if (!_flushRequests.IsEmpty)
                {
                    await DrainForFlushAsync().ConfigureAwait(false);
                    continue;
                }

                Fill(int.MaxValue);

                if (_batch.Count > 0 && (_batch.IsDue || _closing || _queue.AtBound))
                {
                    await _dispatcher.DispatchAsync(_batch, _queue).ConfigureAwait(false);
                    continue;
                }

                if (_batch.Count == 0 && _queue.IsClosed && _queue.Count == 0)
                {
                    break;
                }

                // Sleep until the first item comes, or, holding some, until the queue can fill the batch or the batch
                // interval passes (one timer, re-armed for what is left of it); a flush or close wakes it too.
                var holding = _batch.Count > 0;
                timer.Change(holding ? _batch.TimeLeft : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                await _queue.WaitAsync(holding ? _batch.Missing : 1, _hasWork).ConfigureAwait(false);
            }

            await _dispatcher.AllEnded().ConfigureAwait(false);
            return false;
        }
        catch (Exception ex)
        {
            // A bug, not a delivery failure: count what this loop held, never let it reach the app, and go on (with an
            // empty batch: what it held is counted as failed and must not be sent after all).
            _dispatcher.LoopFailed(ex);
            _queue.Release(_batch.Count, _batch.Bytes);
            _batch.Clear();
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

    // Drain target: what the queue holds now; items enqueued after this are not waited on.
    private async Task DrainForFlushAsync()
    {
        var requests = _flushRequests.Count;
        var left = _queue.Count;
        while (left > 0)
        {
            left -= Fill(left);
            if (!_batch.IsFull)
            {
                break; // the queue ran dry, or the target is reached
            }

            await _dispatcher.DispatchAsync(_batch, _queue).ConfigureAwait(false);
        }

        if (_batch.Count > 0)
        {
            await _dispatcher.DispatchAsync(_batch, _queue).ConfigureAwait(false);
        }

        var pending = _dispatcher.AllEnded();
        for (var i = 0; i < requests && _flushRequests.TryDequeue(out var request); i++)
        {
            _ = pending.ContinueWith(static (_, r) => ((TaskCompletionSource)r!).TrySetResult(), request, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void OnTimer()
    {
        Volatile.Write(ref _timerFired, 1);
        _queue.Wake();
    }

    /// <summary>Moves up to <paramref name="limit"/> items from the queue into the batch, until it is full; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // per item: skip the slow first tier
    private int Fill(int limit)
    {
        var taken = 0;
        while (taken < limit && !_batch.IsFull && _queue.TryTake(out var item))
        {
            _dispatcher.Hold();
            _batch.Add(item);
            taken++;
        }

        return taken;
    }
}
