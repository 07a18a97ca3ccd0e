using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace RequestCost;

/// <summary>One setup in a process of its own: warm up, then a fixed request rate, measured from inside.</summary>
internal static class Child
{
    public static async Task<int> RunAsync(string setup, string sink, int seconds, int rate)
    {
        await using var requests = new Setups(setup, sink);
        await WarmUpAsync(requests, rate);

        var latencies = new List<double>(seconds * rate);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        var jit0 = JitInfo.GetCompilationTime();
        var count = await DriveAsync(requests, seconds, rate, latencies);
        await requests.FlushAsync(); // what the requests queued is exported inside the measure
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMicroseconds / count;
        var bytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - bytes0) / count;
        var jitMs = (JitInfo.GetCompilationTime() - jit0).TotalMilliseconds;
        latencies.Sort();
        Console.WriteLine(new Result(cpu, bytes, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)], jitMs).ToString());
        return 0;
    }

    // What an app pays per request once it runs, not its start-up: tiered compilation recompiles hot methods for
    // several seconds after they first run (measured: 2 s of warm-up left ~130 µs of JIT per TrackAi request in the
    // window), so drive the requests until a second passes with no method compiled (at most 60 s).
    private static async Task WarmUpAsync(Setups requests, int rate)
    {
        var quiet = 0;
        for (var s = 0; s < 60 && quiet < 2; s++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            await DriveAsync(requests, 1, rate, latencies: null);
            await requests.FlushAsync();
            quiet = JitInfo.GetCompiledMethodCount() == compiled ? quiet + 1 : 0;
        }
    }

    // A fixed rate, paced in 10 ms ticks (rate / 100 requests each, one after another): the pacing's own timer
    // wake-ups are the same few per second in every setup, so they cancel out of "over none".
    private static async Task<int> DriveAsync(Setups requests, int seconds, int rate, List<double>? latencies)
    {
        var perTick = Math.Max(1, rate / 100);
        var ticks = seconds * 100;
        var clock = Stopwatch.StartNew();
        for (var t = 0; t < ticks; t++)
        {
            var wait = TimeSpan.FromMilliseconds(t * 10) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            for (var i = 0; i < perTick; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await requests.HandleAsync("Where is my order 42?");
                latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        }

        return ticks * perTick;
    }

    public sealed record Result(double CpuUs, double Bytes, double P50, double P99, double JitMs)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CpuUs:F2} {Bytes:F0} {P50:F1} {P99:F1} {JitMs:F1}");

        public static Result Parse(string line)
        {
            var p = line.Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            return new Result(p[0], p[1], p[2], p[3], p[4]);
        }
    }
}
