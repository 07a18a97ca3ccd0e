using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Raindrop.Delivery;

/// <summary>
/// One route's delivery, read top to bottom: a queue (<see cref="Channel{T}"/>) bounded by the client's item and byte
/// budget with drop-oldest, and one loop that batches (count, bytes, interval), writes each batch once
/// (<see cref="BatchSerializer"/>) and starts a request per body through the route's <see cref="InFlightWindow"/>.
/// </summary>
/// <remarks>
/// A flush is a drain target: a <see cref="FlushMarker"/> queued behind everything before it. The loop sends what it
/// holds when it reaches the marker and completes it once every request started so far has ended, so a flush never
/// sends twice and never waits for items queued after it. Close completes the queue: the loop sends what is left at
/// once, using the whole window; past the close deadline, what is left is counted as dropped, not sent.
/// </remarks>
internal sealed class RouteWorker
{
    // The partial route carries one small update per request: a narrower window (or a few requests waiting out a
    // backoff) would hold back every other interaction's updates.
    private const int PartialWindowFactor = 4;

    private readonly Route _route;
    private readonly Channel<QueuedItem> _queue = Channel.CreateUnbounded<QueuedItem>();
    private readonly QueueBudget _budget;
    private readonly Outcomes _outcomes;
    private readonly TimeProvider _time;
    private readonly BatchSerializer _serializer;
    private readonly InFlightWindow _window;
    private readonly CancellationToken _deadline;
    private readonly int _batchSize;
    private readonly int _maxBodyBytes;
    private readonly TimeSpan _interval;
    private readonly List<QueuedItem> _batch = [];
    private long _batchBytes;
    private int _wanted; // items the waiting loop needs to fill its batch (0: not waiting for more)
    private int _markers; // flush markers queued and not yet reached by the loop
    private TaskCompletionSource? _bell;
    private volatile bool _closing;

    public RouteWorker(Route route, RaindropOptions options, TimeProvider time, QueueBudget budget, HttpTransport transport, Outcomes outcomes, CancellationToken closeDeadline)
    {
        _route = route;
        _time = time;
        _budget = budget;
        _outcomes = outcomes;
        _deadline = closeDeadline;
        _batchSize = route.IsBatched ? options.BatchSize : 1;
        _maxBodyBytes = options.MaxBodyBytes;
        _interval = options.FlushInterval;
        _serializer = new BatchSerializer(options.MaxBodyBytes, route, outcomes);
        _window = new InFlightWindow(route, options.MaxConcurrentRequests * (route.IsBatched ? 1 : PartialWindowFactor), transport, outcomes, closeDeadline);
        Completion = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Completes when the loop has ended (after <see cref="Close"/>, once the queue is drained or dropped).</summary>
    public Task Completion { get; }

    /// <summary>Queues an item, evicting the route's oldest if the budget is over; false once the route is closed. Never blocks.</summary>
    public bool TryEnqueue(QueuedItem item)
    {
        item.EnqueuedAt = _time.GetTimestamp();
        _budget.Add(1, item.EstimatedBytes);
        _outcomes.Enqueued(_route);
        if (!_queue.Writer.TryWrite(item))
        {
            _budget.Add(-1, -item.EstimatedBytes);
            _outcomes.Refused(_route); // raced with close
            return false;
        }

        if (_budget.IsOver)
        {
            EvictOldest();
        }

        if (Volatile.Read(ref _wanted) is var wanted and > 0 && _queue.Reader.Count >= wanted)
        {
            Ring();
        }

        return true;
    }

    /// <summary>Completes when everything queued on this route before the call is delivered or has failed.</summary>
    public Task FlushAsync()
    {
        var marker = new FlushMarker();
        Interlocked.Increment(ref _markers);
        if (!_queue.Writer.TryWrite(marker))
        {
            Interlocked.Decrement(ref _markers);
            return Completion;
        }

        Ring();
        return marker.Done;
    }

    /// <summary>Stops intake; the loop sends what is left without waiting for the batch interval, and ends.</summary>
    public void Close()
    {
        _closing = true;
        _window.Close();
        _queue.Writer.TryComplete();
        Ring();
    }

    /// <summary>Wakes the loop if it waits to fill a partial batch (a flush, close, a full queue, enough items).</summary>
    private void Ring()
    {
        if (Interlocked.Exchange(ref _wanted, 0) > 0)
        {
            Volatile.Read(ref _bell)?.TrySetResult();
        }
    }

    private void EvictOldest()
    {
        var dropped = 0;

        // Keep the newest item even when it alone is over the byte bound: the loop takes it soon.
        while (_budget.IsOver && _queue.Reader.Count > 1 && _queue.Reader.TryRead(out var oldest))
        {
            if (oldest is FlushMarker marker)
            {
                // A flush waits for the items before it, not for a place in the queue: back at the tail it goes (or is
                // done if the route has closed), and eviction stops, so a queue of markers is never read round and round.
                if (!_queue.Writer.TryWrite(marker))
                {
                    marker.Complete(Task.CompletedTask);
                }

                break;
            }

            _budget.Add(-1, -oldest.EstimatedBytes);
            dropped++;
        }

        if (dropped > 0)
        {
            _outcomes.QueueFull(_route, dropped);
            Ring(); // a partial batch must go now, or newer items evict older ones while it waits
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                await LoopAsync().ConfigureAwait(false);
                await _window.AllEnded().ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                // A bug, not a delivery failure: count what the loop held, never let it reach the app, and go on.
                _outcomes.Failed(_route, _batch.Count, ex);
                ReleaseBatch();
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false); // no hot spin on a repeating bug
            }
        }
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var batchStarted = 0L;
        Task? due = null;
        while (true)
        {
            if (reader.TryRead(out var item))
            {
                if (item is FlushMarker marker)
                {
                    Interlocked.Decrement(ref _markers);
                    await SendBatchAsync().ConfigureAwait(false);
                    marker.Complete(_window.AllEnded());
                    continue;
                }

                if (_batch.Count == 0)
                {
                    batchStarted = item.EnqueuedAt; // the interval runs from the item's call, whenever the loop sees it
                    due = null;
                }

                _batch.Add(item);
                _batchBytes += item.EstimatedBytes;
                if (_batch.Count >= _batchSize || _batchBytes >= _maxBodyBytes)
                {
                    await SendBatchAsync().ConfigureAwait(false);
                }

                continue;
            }

            if (_batch.Count == 0)
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return; // closed and drained
                }

                continue;
            }

            // Holding a partial batch: send it when closing, when the budget is full (newer items would evict older
            // ones while it waits) or when the interval has passed; else wait for more items or the interval.
            var left = _interval - _time.GetElapsedTime(batchStarted);
            if (_closing || _budget.IsFull || left <= TimeSpan.Zero)
            {
                await SendBatchAsync().ConfigureAwait(false);
                continue;
            }

            due ??= Task.Delay(left, _time);
            if (_time.GetElapsedTime(batchStarted) >= _interval)
            {
                continue; // the app's clock moved while the timer was armed
            }

            // Wake when the queue can fill the batch, not on every item (a burst would pay one wake-up per call);
            // armed before the re-check, so an item added in between is seen by one side or the other.
            var bell = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _bell, bell);
            var missing = _batchSize - _batch.Count;
            Interlocked.Exchange(ref _wanted, missing);
            if (reader.Count < missing && !_closing && !_budget.IsFull && Volatile.Read(ref _markers) == 0)
            {
                await Task.WhenAny(bell.Task, due).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _wanted, 0);
        }
    }

    /// <summary>Writes the batch to bodies (emptying it) and starts a request for each as the window allows.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendBatchAsync()
    {
        List<RequestBody>? bodies = null;
        try
        {
            if (_deadline.IsCancellationRequested)
            {
                _outcomes.CloseDropped(_route, _batch.Count);
            }
            else if (_batch.Count > 0)
            {
                bodies = _serializer.Serialize(_batch, _route.IsBatched);
            }
        }
        catch (Exception ex)
        {
            _outcomes.Failed(_route, _batch.Count, ex); // a bug, not a delivery failure: the route lives on
        }
        finally
        {
            ReleaseBatch();
        }

        foreach (var body in bodies ?? [])
        {
            await _window.StartAsync(body).ConfigureAwait(false);
        }
    }

    private void ReleaseBatch()
    {
        _budget.Add(-_batch.Count, -_batchBytes);
        _batch.Clear();
        _batchBytes = 0;
    }
}
