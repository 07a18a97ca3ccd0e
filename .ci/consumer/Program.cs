// CI consumer smoke test (.ci/run copies this into a fresh `dotnet new console` project outside the repository).
// It uses Raindrop.Sdk as an app would (from the packed .nupkg, through AddRaindrop and configuration binding),
// sends one event to a loopback HttpListener, and exits 0 only if exactly that event arrived. The same program is
// published with Native AOT and run again.
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Raindrop;

var probe = new TcpListener(IPAddress.Loopback, 0);
probe.Start();
var port = ((IPEndPoint)probe.LocalEndpoint).Port;
probe.Stop();

using var listener = new HttpListener();
listener.Prefixes.Add($"http://127.0.0.1:{port}/");
listener.Start();
var received = new List<string>();
_ = Task.Run(async () =>
{
    while (listener.IsListening)
    {
        var context = await listener.GetContextAsync();
        using var reader = new StreamReader(context.Request.InputStream);
        var body = await reader.ReadToEndAsync();
        lock (received)
        {
            received.Add(context.Request.Url!.AbsolutePath + " " + context.Request.Headers["Authorization"] + " " + body);
        }

        context.Response.StatusCode = 204;
        context.Response.Close();
    }
});

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Raindrop:WriteKey"] = "ci-key",
    ["Raindrop:Endpoint"] = $"http://127.0.0.1:{port}/v1/",
    ["Raindrop:FlushInterval"] = "00:00:00.050",
}).Build();

var services = new ServiceCollection();
services.AddRaindrop(configuration.GetSection("Raindrop"));
await using (var provider = services.BuildServiceProvider())
{
    var raindrop = provider.GetRequiredService<IRaindropClient>();
    raindrop.TrackAi(new AiEvent { UserId = "ci", Event = "consumer_smoke", Input = "hi", Output = "hello" });
    if (!await raindrop.FlushAsync())
    {
        Console.Error.WriteLine("FAIL: flush did not complete");
        return 1;
    }
}

List<string> events;
lock (received)
{
    events = received.Where(r => r.StartsWith("/v1/events/track ", StringComparison.Ordinal)).ToList();
}

if (events.Count != 1 || !events[0].Contains("Bearer ci-key", StringComparison.Ordinal) || !events[0].Contains("\"consumer_smoke\"", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"FAIL: expected one consumer_smoke event, got {events.Count}: {string.Join(" | ", events)}");
    return 1;
}

Console.WriteLine("OK: one event arrived at the loopback server");
return 0;
