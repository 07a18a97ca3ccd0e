using Raindrop.Sdk.Tests.Tracing;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>
/// The loopback Raindrop API: records every request (path, headers, body) and answers 204, or, when scripted, a
/// failure (429 with <c>Retry-After</c>, 503) to the first N <c>/v1/traces</c> exports.
/// </summary>
public sealed class RaindropSink : LoopbackServer
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _traceFailuresLeft;
    private int _traceFailureStatus;
    private string? _traceRetryAfter;

    /// <summary>The SDK endpoint (<c>http://127.0.0.1:port/v1/</c>).</summary>
    public string Endpoint => Url + "/v1/";

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    /// <summary>Answers <paramref name="status"/> (with <c>Retry-After</c> when given) to the next <paramref name="count"/> trace exports.</summary>
    public void FailTraceExports(int count, int status, string? retryAfter = null)
    {
        _traceFailureStatus = status;
        _traceRetryAfter = retryAfter;
        Volatile.Write(ref _traceFailuresLeft, count);
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        var path = context.Request.Path.Value ?? string.Empty;
        var status = StatusCodes.Status204NoContent;
        if (path.EndsWith("/v1/traces", StringComparison.Ordinal) && Interlocked.Decrement(ref _traceFailuresLeft) >= 0)
        {
            status = _traceFailureStatus;
            if (_traceRetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = _traceRetryAfter;
            }
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new RecordedRequest(path, headers, body, status, DateTimeOffset.UtcNow));
        context.Response.StatusCode = status;
    }

    /// <summary>Requests on an event route (<c>events/track</c>, <c>events/track_partial</c>, ...), or <c>traces</c> for <c>/v1/traces</c>.</summary>
    public IReadOnlyList<RecordedRequest> On(string route) =>
        Requests.Where(r => r.Path.EndsWith("/v1/" + route, StringComparison.Ordinal)).ToList();

    /// <summary>Every JSON item accepted (2xx) on an event route; array bodies are flattened.</summary>
    public IReadOnlyList<JsonObject> Items(string route)
    {
        var items = new List<JsonObject>();
        foreach (var request in On(route).Where(r => r.Succeeded))
        {
            var node = JsonNode.Parse(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 4096 });
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

    /// <summary>Every span accepted (2xx) on <c>/v1/traces</c>.</summary>
    public IReadOnlyList<OtlpSpan> Spans => OtlpReader.ReadAll(On("traces").Where(r => r.Succeeded).Select(r => r.Body));

    /// <summary>
    /// An interaction as Raindrop would assemble it from its partial events: top-level fields, <c>ai_data</c> and
    /// <c>properties</c> merged in arrival order (a later value wins). Null when no partial event had this id.
    /// </summary>
    public JsonObject? Interaction(string eventId)
    {
        var parts = Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId).ToList();
        if (parts.Count == 0)
        {
            return null;
        }

        var merged = new JsonObject();
        foreach (var part in parts)
        {
            foreach (var (key, value) in part)
            {
                if (key is "ai_data" or "properties" && value is JsonObject inner)
                {
                    var target = merged[key] as JsonObject ?? new JsonObject();
                    foreach (var (k, v) in inner)
                    {
                        target[k] = v?.DeepClone();
                    }

                    merged[key] = target;
                }
                else
                {
                    merged[key] = value?.DeepClone();
                }
            }
        }

        return merged;
    }
}
