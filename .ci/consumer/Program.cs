// CI consumer smoke test (.ci/consumer/package-smoke.sh copies this into a fresh `dotnet new console` project outside the
// repository, net8.0 with its default C# 12 and net10.0). It uses Raindrop.Sdk as an app would, from the packed
// .nupkg: through AddRaindrop and configuration binding, then directly with the README's examples (the TypeScript
// docs' calls as the README's table names them), against a loopback HttpListener, and exits 0 only if everything
// arrived. The same program is published with Native AOT and run again.
using System.IO.Compression;
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
        var input = string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
            : context.Request.InputStream;
        using var reader = new StreamReader(input);
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

// The README's examples, as a new user ports the TypeScript docs (raindrop.trackAi, setUserDetails, trackSignal,
// begin, withTool, withSpan, addAttachments, finish, resumeInteraction, flush, close). Properties use the short form
// `Properties = new() { [key] = value }`, which must compile under the default C# of net8.0 (C# 12).
await using (var raindrop = new RaindropClient(new RaindropOptions { WriteKey = "ci-key", Endpoint = $"http://127.0.0.1:{port}/v1/" }))
{
    var eventId = raindrop.TrackAi(new AiEvent
    {
        UserId = "user_123",
        Event = "chat_message",
        Model = "gpt-4o",
        Input = "What is love?",
        Output = "Baby don't hurt me",
        ConvoId = "convo_123",
        Properties = new() { ["experiment"] = "a", ["tokens"] = 412 },
        Attachments = [new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Name = "context", Value = "lyrics" }],
    });
    raindrop.TrackSignal(new() { EventId = eventId, Name = "thumbs_down", Type = SignalType.Feedback, Sentiment = Sentiment.Negative, Comment = "off-topic", Properties = new() { ["location"] = "chat_ui" } });
    raindrop.Identify("user_123", new Dictionary<string, object?> { ["plan"] = "paid", ["age"] = 30 });
    raindrop.Track(new TrackEvent { UserId = "user_123", Event = "signed_up", Properties = new() { ["referrer"] = "newsletter" } });

    await using var interaction = raindrop.Begin(new() { UserId = "user_123", Event = "readme_interaction", Input = "Where is my order?", ConvoId = "convo_123", Properties = new() { ["channel"] = "web" } });
    interaction.SetProperty("stage", "lookup");
    var order = await interaction.WithToolAsync("lookup_order", () => Task.FromResult("shipped"), new SpanOptions { Input = new Dictionary<string, object?> { ["order"] = 42 }, Version = 2 });
    using (var render = interaction.StartSpan(RaindropSpanKind.Task, "render", new() { Properties = new() { ["stage"] = "render" } }))
    {
        render.RecordOutput(order);
    }
    var plan = await interaction.WithSpanAsync("plan", () => Task.FromResult("answer"));
    interaction.AddAttachments(new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Name = "context", Value = order });
    interaction.AddAttachments(
        new Attachment { Type = AttachmentType.Code, Role = AttachmentRole.Output, Name = "a.py", Value = "print(1)", Language = "python" },
        new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Output, Name = "plan", Value = plan });
    if (raindrop.ResumeInteraction(interaction.EventId) is not { } resumed || resumed.EventId != interaction.EventId)
    {
        Console.Error.WriteLine("FAIL: ResumeInteraction did not return the live interaction");
        return 1;
    }

    await interaction.FinishAsync(output: $"Your order is {order}.");
    if (!await raindrop.FlushAsync())
    {
        Console.Error.WriteLine("FAIL: flush of the README examples did not complete");
        return 1;
    }
}

string[] expected = ["/v1/events/track \"chat_message\"", "/v1/events/track \"experiment\":\"a\"", "/v1/signals/track \"thumbs_down\"",
    "/v1/signals/track \"location\":\"chat_ui\"", "/v1/users/identify \"paid\"", "/v1/events/track \"signed_up\"",
    "/v1/events/track \"referrer\":\"newsletter\"", "/v1/events/track_partial \"readme_interaction\"",
    "/v1/events/track_partial \"channel\":\"web\"", "/v1/events/track_partial \"a.py\"", "/v1/traces lookup_order.tool"];
List<string> all;
lock (received)
{
    all = [.. received];
}

var missing = expected.Where(e =>
{
    var (path, text) = (e[..e.IndexOf(' ', StringComparison.Ordinal)], e[(e.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
    return !all.Any(r => r.StartsWith(path + " ", StringComparison.Ordinal) && r.Contains(text, StringComparison.Ordinal));
}).ToList();
if (missing.Count > 0)
{
    Console.Error.WriteLine($"FAIL: not received: {string.Join(" | ", missing)}; got: {string.Join(" | ", all.Select(r => r.Length > 120 ? r[..120] : r))}");
    return 1;
}

Console.WriteLine($"OK: the AddRaindrop event and the README examples ({all.Count} requests) arrived at the loopback server");
return 0;
