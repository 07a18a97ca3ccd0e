using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Raindrop.Sdk.Tests.TestSupport;

/// <summary>
/// A real loopback HTTP server (WireMock.Net) standing in for the Raindrop API: answers 204 unless a test
/// scripts otherwise, and exposes what arrived, parsed, per route.
/// </summary>
public sealed class FakeApi : IDisposable
{
    public FakeApi()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().UsingAnyMethod()).AtPriority(int.MaxValue).RespondWith(Response.Create().WithStatusCode(204));
    }

    public WireMockServer Server { get; }

    /// <summary>The SDK endpoint for this server (<c>http://127.0.0.1:port/v1/</c>).</summary>
    public string Endpoint => Server.Url + "/v1/";

    /// <summary>Options that send here quickly: short flush interval and retry delays.</summary>
    public RaindropOptions Options(Action<RaindropOptions>? configure = null)
    {
        var options = new RaindropOptions
        {
            WriteKey = "test-write-key",
            Endpoint = Endpoint,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            PartialFlushInterval = TimeSpan.FromMilliseconds(200),
            CloseTimeout = TimeSpan.FromSeconds(5),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromSeconds(2),
        };
        configure?.Invoke(options);
        return options;
    }

    public RaindropClient Client(Action<RaindropOptions>? configure = null) => new(Options(configure));

    /// <summary>Every request that arrived on a route (e.g. <c>events/track</c>), in arrival order.</summary>
    public IReadOnlyList<WireMock.Logging.ILogEntry> Requests(string route) =>
        Server.LogEntries.Where(e => e.RequestMessage.Path.EndsWith("/v1/" + route, StringComparison.Ordinal))
            .OrderBy(e => e.RequestMessage.DateTime).ToList();

    /// <summary>The raw UTF-8 bodies that arrived on a route.</summary>
    public IReadOnlyList<byte[]> Bodies(string route) =>
        Requests(route).Select(e => e.RequestMessage.BodyAsBytes ?? System.Text.Encoding.UTF8.GetBytes(e.RequestMessage.Body ?? string.Empty)).ToList();

    /// <summary>Every item that arrived on a route with a 2xx answer: array bodies are flattened.</summary>
    public IReadOnlyList<JsonObject> Items(string route)
    {
        var items = new List<JsonObject>();
        foreach (var entry in Requests(route))
        {
            var status = entry.ResponseMessage.StatusCode is int code ? code : int.Parse(entry.ResponseMessage.StatusCode?.ToString() ?? "0");
            if (status < 200 || status >= 300)
            {
                continue;
            }

            var bytes = entry.RequestMessage.BodyAsBytes ?? System.Text.Encoding.UTF8.GetBytes(entry.RequestMessage.Body ?? string.Empty);
            var node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 4096 });
            if (node is JsonArray array)
            {
                items.AddRange(array.Select(n => n!.AsObject()));
            }
            else if (node is JsonObject obj)
            {
                items.Add(obj);
            }
        }

        return items;
    }

    /// <summary>The spans of every <c>/v1/traces</c> request this server answered with a 2xx.</summary>
    public IReadOnlyList<Tracing.OtlpSpan> DeliveredSpans() =>
        Tracing.OtlpReader.ReadAll(Requests("traces")
            .Where(e => e.ResponseMessage.StatusCode is int code && code is >= 200 and < 300)
            .Select(e => e.RequestMessage.BodyAsBytes!));

    /// <summary>Scripts the answers of a route, used in order; the last one repeats.</summary>
    public void Script(string route, params Action<IResponseBuilder>[] answers)
    {
        var scenario = "script-" + route;
        for (var i = 0; i < answers.Length; i++)
        {
            var response = Response.Create();
            answers[i](response);
            var given = Server.Given(Request.Create().WithPath("/v1/" + route).UsingPost());
            if (answers.Length == 1)
            {
                given.RespondWith(response);
                return;
            }

            var step = given.InScenario(scenario);
            if (i > 0)
            {
                step = step.WhenStateIs("step" + i);
            }

            // The last step sets its own state again, so it repeats.
            step.WillSetStateTo(i < answers.Length - 1 ? "step" + (i + 1) : "step" + i).RespondWith(response);
        }
    }

    /// <summary>Waits (polling, bounded) until a condition holds; returns whether it did.</summary>
    public static async Task<bool> Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    public void Dispose() => Server.Stop();
}
