using Microsoft.Extensions.Logging;
using Raindrop.Delivery;
using Raindrop.Diagnostics;

namespace Raindrop.Interactions;

/// <summary>
/// The partial-event sweep: every quarter of <c>PartialFlushInterval</c> (10 to 500 ms) it queues the pending changes of
/// each open interaction that has been quiet for <c>PartialFlushInterval</c>. Started by the registry's constructor (of an
/// enabled client), stopped at close.
/// </summary>
internal sealed class PartialSweep : IDisposable
{
    private readonly Func<List<Interaction>> _open;
    private readonly Action<EventItem?> _send;
    private readonly TimeProvider _time;
    private readonly TimeSpan _quiet;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task? _running;

    /// <param name="open">The open interactions, in begin order (a copy).</param>
    /// <param name="send">Queues an interaction's pending changes (null: none).</param>
    /// <param name="time">The client's clock.</param>
    /// <param name="quiet">How long an interaction must be unchanged before its changes go out.</param>
    /// <param name="logger">For a bug in one pass, which must not end the sweep.</param>
    public PartialSweep(Func<List<Interaction>> open, Action<EventItem?> send, TimeProvider time, TimeSpan quiet, ILogger logger)
    {
        _open = open;
        _send = send;
        _time = time;
        _quiet = quiet;
        _logger = logger;
    }

    /// <summary>Starts the sweep unless it runs (or has been stopped).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _running ??= Run();
        }
    }

    /// <summary>Stops the sweep; completes once a pass in progress has finished queuing, so nothing it took is lost.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? running;
        lock (_gate)
        {
            running = _running;
        }

        try
        {
            await (running ?? Task.CompletedTask).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the sweep ends by cancellation
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private Task Run()
    {
        CancellationToken stop;
        try
        {
            stop = _stop.Token;
        }
        catch (ObjectDisposedException)
        {
            return Task.CompletedTask; // raced with Dispose: nothing left to sweep for
        }

        // Started from the app's call: without its ExecutionContext, so no ambient Activity or interaction of the
        // caller's flow is kept alive by (or leaks into) the sweep (WIRE.md §7). The timer is made here, before the app's
        // call returns, so a clock (RaindropOptions.TimeProvider) advanced right after it is seen.
        var flow = ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow();
        try
        {
            var tick = TimeSpan.FromTicks(Math.Clamp(_quiet.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(500).Ticks));
            var timer = new PeriodicTimer(tick, _time);
            return Task.Run(() => RunAsync(timer, stop));
        }
        finally
        {
            flow?.Undo();
        }
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken stop)
    {
        using var owned = timer;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (var interaction in _open())
                {
                    try
                    {
                        if (_time.GetElapsedTime(interaction.LastChange) >= _quiet)
                        {
                            _send(interaction.TakePendingDelta());
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A bug must not end the sweep: the other interactions (and later passes) still get sent.
                        Log.BackgroundError(_logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // closing
        }
        catch (ObjectDisposedException)
        {
            // closing
        }
    }
}
