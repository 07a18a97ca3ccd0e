using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>What the fake model answers to one request: text, or one tool call (function name + JSON arguments).</summary>
public sealed record ModelReply(string? Text, string? ToolName = null, string? ToolArguments = null)
{
    public static ModelReply Answer(string text) => new(text);

    public static ModelReply CallTool(string name, string argumentsJson) => new(null, name, argumentsJson);
}

/// <summary>One call the fake model received and what it answered (with the usage it reported).</summary>
public sealed record ModelCall(int Number, JsonObject Request, bool Stream, ModelReply Reply, int InputTokens, int OutputTokens)
{
    public string RequestJson => Request.ToJsonString();
}

/// <summary>
/// An OpenAI-compatible <c>POST /v1/chat/completions</c> on loopback: a JSON answer, or with <c>stream: true</c>
/// server-sent events (<c>data: {chunk}</c>, a last chunk with <c>usage</c> when
/// <c>stream_options.include_usage</c>, <c>data: [DONE]</c>). Each answer carries <see cref="ResponseModel"/> and a
/// usage distinct per call (call k: <c>100 + k</c> prompt tokens, <c>20 + k</c> completion tokens). Records every request.
/// </summary>
public sealed class FakeOpenAiServer : LoopbackServer
{
    public const string ResponseModel = "gpt-fake-2026-01-01";
    private readonly ConcurrentQueue<ModelCall> _calls = new();
    private int _count;

    /// <summary>Decides the answer from the request. Default: a plain answer.</summary>
    public Func<JsonObject, ModelReply> Script { get; set; } = _ => ModelReply.Answer("Hello from the fake model.");

    /// <summary>The <c>OpenAIClientOptions.Endpoint</c> to use (<c>http://127.0.0.1:port/v1</c>).</summary>
    public Uri Endpoint => new(Url + "/v1");

    public IReadOnlyList<ModelCall> Calls => _calls.OrderBy(c => c.Number).ToList();

    /// <summary>
    /// A tool round trip: while the last message of the request is not a tool result, call <paramref name="tool"/>
    /// with <paramref name="argumentsJson"/>; once it is, answer <paramref name="answer"/>.
    /// </summary>
    public static Func<JsonObject, ModelReply> ToolThenAnswer(string tool, string argumentsJson, string answer) => request =>
    {
        var last = (request["messages"] as JsonArray)?.LastOrDefault();
        return (string?)last?["role"] == "tool" ? ModelReply.Answer(answer) : ModelReply.CallTool(tool, argumentsJson);
    };

    protected override async Task HandleAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path.Value?.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var request = JsonNode.Parse(body)!.AsObject();
        var number = Interlocked.Increment(ref _count);
        var reply = Script(request);
        var stream = request["stream"]?.GetValue<bool>() == true;
        var call = new ModelCall(number, request, stream, reply, 100 + number, 20 + number);
        _calls.Enqueue(call);

        if (stream)
        {
            await StreamAsync(context, call, request["stream_options"]?["include_usage"]?.GetValue<bool>() == true);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Completion(call).ToJsonString(), context.RequestAborted);
        }
    }

    private static JsonObject Usage(ModelCall call) => new()
    {
        ["prompt_tokens"] = call.InputTokens,
        ["completion_tokens"] = call.OutputTokens,
        ["total_tokens"] = call.InputTokens + call.OutputTokens,
    };

    private static JsonArray ToolCalls(ModelCall call, bool streamed)
    {
        var toolCall = new JsonObject
        {
            ["id"] = "call_" + call.Number,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = call.Reply.ToolName, ["arguments"] = call.Reply.ToolArguments },
        };
        if (streamed)
        {
            toolCall["index"] = 0;
        }

        return [toolCall];
    }

    private static JsonObject Completion(ModelCall call)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = call.Reply.Text };
        if (call.Reply.ToolName is not null)
        {
            message["tool_calls"] = ToolCalls(call, streamed: false);
        }

        return new JsonObject
        {
            ["id"] = "chatcmpl-" + call.Number,
            ["object"] = "chat.completion",
            ["created"] = 1767225600,
            ["model"] = ResponseModel,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = call.Reply.ToolName is null ? "stop" : "tool_calls",
            }),
            ["usage"] = Usage(call),
        };
    }

    private static JsonObject Chunk(ModelCall call, JsonObject? delta, string? finishReason, JsonObject? usage = null)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-" + call.Number,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1767225600,
            ["model"] = ResponseModel,
            ["choices"] = delta is null
                ? new JsonArray()
                : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        return chunk;
    }

    private static async Task StreamAsync(HttpContext context, ModelCall call, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream";
        var chunks = new List<JsonObject> { Chunk(call, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null) };
        if (call.Reply.ToolName is not null)
        {
            chunks.Add(Chunk(call, new JsonObject { ["tool_calls"] = ToolCalls(call, streamed: true) }, null));
            chunks.Add(Chunk(call, new JsonObject(), "tool_calls"));
        }
        else
        {
            var text = call.Reply.Text ?? string.Empty;
            var half = text.Length / 2;
            chunks.Add(Chunk(call, new JsonObject { ["content"] = text[..half] }, null));
            chunks.Add(Chunk(call, new JsonObject { ["content"] = text[half..] }, null));
            chunks.Add(Chunk(call, new JsonObject(), "stop"));
        }

        if (includeUsage)
        {
            chunks.Add(Chunk(call, null, null, Usage(call)));
        }

        foreach (var chunk in chunks)
        {
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }
}
