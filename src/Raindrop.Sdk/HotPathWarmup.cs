using System.Runtime.CompilerServices;
using Raindrop.Delivery;

namespace Raindrop;

/// <summary>
/// Compiles the caller-side methods on a thread of its own while the client is being built, so the app's first
/// <c>TrackAi</c> costs about a millisecond rather than the tens of milliseconds of JIT, and construction does not pay
/// for it in series (a no-op under Native AOT). The constructor waits only for the <c>TrackAi</c> path, running
/// itself whatever part of it the thread has not reached; the rest of the API follows in the background.
/// </summary>
internal sealed class HotPathWarmup
{
    private readonly Action[] _steps;
    private readonly int _callerPath;
    private readonly object _gate = new();
    private int _claimed = -1;
    private int _callerPathLeft;

    private HotPathWarmup(RaindropClient client)
    {
        // Steps run in this order. First what TrackAi runs, then the rest of the caller-side API.
        _steps =
        [
            () => Prepare((Func<AiEvent, string>)client.TrackAi),
            () => Prepare((Func<IEnumerable<KeyValuePair<string, object?>>?, KeyValuePair<string, object?>[]?>)client.Input.Members),
            () => RuntimeHelpers.PrepareMethod(typeof(RouteWorker).GetMethod(nameof(RouteWorker.TryEnqueue))!.MethodHandle),

            // The enqueued item and what it runs (id, snapshot, text cap, size estimate), exercised without queuing. An
            // id of the kind EventIds makes before its CSPRNG pool is loaded, which is left to the first real one.
            () =>
            {
                Prepare((Func<string>)EventIds.New);
                _ = new EventItem(Guid.NewGuid().ToString(), "u", "e", client.Input.Now(), client.Input.Members(new Dictionary<string, object?> { ["k"] = "v" }), null, client.Input.Text("x"), null, null, null, null);
            },
            () => Prepare((Func<TrackEvent, string>)client.Track),
            () => Prepare((Action<Signal>)client.TrackSignal),
            () => Prepare((Action<string, IReadOnlyDictionary<string, object?>?>)client.Identify),
            () => Prepare((Func<InteractionOptions, Interaction>)client.Begin),
            () =>
            {
                _ = new SignalItem(new Signal { EventId = "e", Name = "n" }, null);
                _ = new IdentifyItem("u", null);
            },
            () => RuntimeHelpers.PrepareMethod(typeof(Interaction).GetMethod(nameof(Interaction.SetProperty))!.MethodHandle),
            () => RuntimeHelpers.PrepareMethod(typeof(Interaction).GetMethod(nameof(Interaction.FinishAsync))!.MethodHandle),
            () => _ = Tracing.RaindropActivitySource.Source, // made here rather than by the first span
        ];
        _callerPath = 4;
        _callerPathLeft = _callerPath;
    }

    /// <summary>Starts compiling on a background thread; the constructor then calls <see cref="WaitForCallerPath"/>.</summary>
    public static HotPathWarmup Start(RaindropClient client)
    {
        var warmup = new HotPathWarmup(client);
        try
        {
            // No ExecutionContext: the app's flow has nothing to do with compiling.
            new Thread(warmup.RunAll) { IsBackground = true, Name = "Raindrop warm-up" }.UnsafeStart();
        }
        catch (OutOfMemoryException)
        {
            // No thread to spare: WaitForCallerPath does the caller's path itself, and the rest is skipped.
        }

        return warmup;
    }

    /// <summary>
    /// Returns once the <c>TrackAi</c> path is compiled: runs the steps of it that the warm-up thread has not started
    /// (it may not even have been scheduled yet) and waits for the one it is in.
    /// </summary>
    public void WaitForCallerPath()
    {
        while (TryClaim(_callerPath, out var step))
        {
            Run(step);
        }

        lock (_gate)
        {
            // Bounded: only a step in progress on the other thread is left, and an optimization never hangs the app.
            var deadline = Environment.TickCount64 + 2000;
            while (Volatile.Read(ref _callerPathLeft) > 0 && Environment.TickCount64 < deadline)
            {
                Monitor.Wait(_gate, 50);
            }
        }
    }

    private static void Prepare(Delegate method) => RuntimeHelpers.PrepareMethod(method.Method.MethodHandle);

    private void RunAll()
    {
        while (TryClaim(_steps.Length, out var step))
        {
            Run(step);
        }
    }

    private bool TryClaim(int end, out int step)
    {
        while (true)
        {
            var last = Volatile.Read(ref _claimed);
            step = last + 1;
            if (step >= end)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _claimed, step, last) == last)
            {
                return true;
            }
        }
    }

    private void Run(int step)
    {
        try
        {
            _steps[step]();
        }
        catch (Exception)
        {
            // Only an optimization (and nothing may escape the warm-up thread).
        }

        if (step < _callerPath && Interlocked.Decrement(ref _callerPathLeft) == 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}
