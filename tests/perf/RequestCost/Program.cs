using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RequestCost;

// dotnet run -c Release --project tests/perf/RequestCost [-- --seconds 15 --rate 1000 --runs 1]
// Starts a loopback sink, runs each setup in a child process of its own at a fixed rate, and prints one table:
// CPU and allocations per request over the same request with no telemetry, and the caller's latency.
var argv = args.ToList();
string Arg(string name, string fallback) => argv.IndexOf(name) is var i and >= 0 && i + 1 < argv.Count ? argv[i + 1] : fallback;
var seconds = int.Parse(Arg("--seconds", "15"), CultureInfo.InvariantCulture);
var rate = int.Parse(Arg("--rate", "1000"), CultureInfo.InvariantCulture);

if (Arg("--setup", "") is { Length: > 0 } setup)
{
    return await Child.RunAsync(setup, Arg("--sink", ""), seconds, rate);
}

var sink = WebApplication.CreateSlimBuilder();
sink.WebHost.UseUrls("http://127.0.0.1:0");
sink.Logging.ClearProviders();
await using var server = sink.Build();
server.Run(static async context =>
{
    await context.Request.Body.CopyToAsync(Stream.Null);
    context.Response.StatusCode = 200;
});
await server.StartAsync();
var url = server.Urls.First();

var runs = int.Parse(Arg("--runs", "1"), CultureInfo.InvariantCulture);
var results = new Dictionary<string, List<Child.Result>>();
for (var run = 0; run < runs; run++)
{
    foreach (var name in Setups.Names)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        foreach (var a in new[] { typeof(Program).Assembly.Location, "--setup", name, "--sink", url, "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) != "dotnet")
        {
            psi.ArgumentList.RemoveAt(0); // an apphost runs itself
        }

        using var child = Process.Start(psi)!;
        var line = (await child.StandardOutput.ReadToEndAsync()).Trim().Split('\n')[^1];
        await child.WaitForExitAsync();
        (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(Child.Result.Parse(line));
    }
}

Child.Result Median(string name) => results[name].OrderBy(r => r.CpuUs).ElementAt(results[name].Count / 2);
var none = Median("none");
Console.WriteLine($"{rate} requests/s for {seconds} s after a warm-up until the JIT is quiet, median of {runs} run(s); CPU and allocations over the same request with no telemetry");
Console.WriteLine("| setup | CPU µs/request over none | allocated B/request over none | caller p50 / p99 µs | JIT ms in the window |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var name in Setups.Names)
{
    var r = Median(name);
    var cpu = name == "none" ? $"({r.CpuUs:F1} total)" : $"{r.CpuUs - none.CpuUs:F1}";
    var alloc = name == "none" ? $"({r.Bytes:F0} total)" : $"{r.Bytes - none.Bytes:F0}";
    Console.WriteLine($"| {name} | {cpu} | {alloc} | {r.P50:F0} / {r.P99:F0} | {r.JitMs:F0} |");
}

return 0;
