using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Raindrop.Delivery;
using Raindrop.Diagnostics;

namespace Raindrop;

/// <summary>
/// Compiles the caller-side methods on a thread of its own while the client is being built, so the app's first
/// <c>TrackAi</c> costs about a millisecond rather than the tens of milliseconds of JIT (its hot methods are compiled
/// fully optimized on first call), without construction paying for it in series (a no-op under Native AOT). The
/// constructor waits only for the <c>TrackAi</c> path, running itself whatever part of it the thread has not reached.
/// Once the constructor has returned (not before: on a 2-core machine it would take the constructor's second core),
/// the thread starts the thread pool, builds the HTTP transport, serializes a sample batch (the route loop's code) and
/// compiles the rest of the API.
/// </summary>
internal sealed class HotPathWarmup
{
    // Steps 0 to CallerPath - 1 are what TrackAi runs; the rest (after construction) is the route loop's and the other calls'.
    private const int CallerPath = 5;
    private const int StepCount = 13;

    private readonly RaindropClient _client;
    private readonly RaindropOptions _options;
    private readonly object _gate = new();
    private int _claimed = -1;
    private int _callerPathLeft = CallerPath;
    private bool _constructed;
    private DeliveryPipeline? _pipeline;

    private HotPathWarmup(RaindropClient client, RaindropOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <summary>
    /// Starts compiling on a background thread. Called first thing in the constructor (before the options are even
    /// validated, so it overlaps that too); the constructor then calls <see cref="WaitForCallerPath"/>.
    /// </summary>
    public static HotPathWarmup Start(RaindropClient client, RaindropOptions options)
    {
        var warmup = new HotPathWarmup(client, options);
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
        while (TryClaim(CallerPath, out var step))
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

    /// <summary>
    /// Called as the constructor returns: the rest of the warm-up (the HTTP transport, then the other calls of the API)
    /// waited for it, so as not to take a core from the constructor on a small machine.
    /// </summary>
    /// <param name="pipeline">The client's delivery pipeline, whose transport is built first.</param>
    public void Constructed(DeliveryPipeline? pipeline)
    {
        lock (_gate)
        {
            _pipeline = pipeline;
            _constructed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private static void Prepare(Delegate method) => RuntimeHelpers.PrepareMethod(method.Method.MethodHandle);

    private static void Prepare([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type type, string name) =>
        RuntimeHelpers.PrepareMethod(type.GetMethod(name)!.MethodHandle);

    private void RunStep(int step)
    {
        var client = _client;
        switch (step)
        {
            case 0:
                Prepare((Func<AiEvent, string>)client.TrackAi);
                break;
            case 1:
                // Require, Optional and Attachments are small checks now, inlined into TrackAi's own compile.
                Prepare(typeof(InputNormalizer), nameof(InputNormalizer.Properties));
                break;
            case 2:
                Prepare(typeof(RouteWorker), nameof(RouteWorker.TryEnqueue));
                Prepare(typeof(SdkInstruments), nameof(SdkInstruments.Add));
                break;
            case 3:
                // The enqueued item and what it runs (snapshot, text cap, size estimate), exercised without queuing, on a
                // normalizer of its own: this runs while the constructor is still making the client's. The id is of the
                // kind EventIds makes (a constant: formatting a Guid costs milliseconds of JIT); the CSPRNG pool is left to
                // the first real id.
                var input = new InputNormalizer(_options, TimeProvider.System, NullLogger.Instance, new SdkMetrics());
                _ = new EventItem("00000000-0000-4000-8000-000000000000", "u", "e", input.Now(), input.Properties(new Dictionary<string, object?> { ["k"] = "v", ["n"] = 1 }), null, input.Text("x"), null, null, null, null);
                break;
            case 4:
                Prepare((Func<string>)EventIds.New);
                Prepare((Action)EventIds.WarmUpInBackground);
                break;
            case 5:
                // The route loop's side (first thing after construction, with the transport): one event serialized as
                // its first batch will be, so the first batch is written by compiled code instead of waiting ~40 ms
                // for the JIT (the writer methods are compiled fully optimized on first call).
                var sample = new EventItem("00000000-0000-4000-8000-000000000000", "u", "e", DateTimeOffset.UnixEpoch, Serialization.PropertyBag.Of("k", "v", "n", 1), null, "in", "out", "m", "c", null);
                foreach (var body in new BatchSerializer(new Serialization.WireContext(), 1 << 20).Serialize([sample], asArray: true))
                {
                    body.Release();
                }

                break;
            case 6:
                Prepare((Func<TrackEvent, string>)client.Track);
                break;
            case 7:
                Prepare((Action<Signal>)client.TrackSignal);
                break;
            case 8:
                Prepare((Action<string, IReadOnlyDictionary<string, object?>?>)client.Identify);
                Prepare((Func<InteractionOptions, Interaction>)client.Begin);
                break;
            case 9:
                _ = new SignalItem(new Signal { EventId = "e", Name = "n" }, null);
                _ = new IdentifyItem("u", null);
                break;
            case 10:
                Prepare(typeof(Interaction), nameof(Interaction.SetProperty));
                break;
            case 11:
                Prepare(typeof(Interaction), nameof(Interaction.FinishAsync));
                break;
            case 12:
                _ = Tracing.RaindropActivitySource.Source; // made here rather than by the first span
                break;
        }
    }

    private void RunAll()
    {
        while (TryClaim(CallerPath, out var step))
        {
            Run(step);
        }

        lock (_gate)
        {
            // Bounded: a constructor that threw never says it is done, and then the rest hardly matters.
            var deadline = Environment.TickCount64 + 5000;
            while (!_constructed && Environment.TickCount64 < deadline)
            {
                Monitor.Wait(_gate, 100);
            }
        }

        // The thread pool's start-up (a few milliseconds in a fresh process), which the first TrackAi would otherwise
        // pay when it starts its route's loop.
        ThreadPool.UnsafeQueueUserWorkItem(static _ => { }, null);
        try
        {
            _pipeline?.PrepareTransport(); // what the first send needs: built here rather than by the send
        }
        catch (Exception)
        {
            // The first send builds it (and meets the same error there, where it is counted).
        }

        while (TryClaim(StepCount, out var step))
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
            RunStep(step);
        }
        catch (Exception)
        {
            // Only an optimization (and nothing may escape the warm-up thread).
        }

        if (step < CallerPath && Interlocked.Decrement(ref _callerPathLeft) == 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}
