using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

/// <summary>
/// A fake model: answers from a callback (non-streaming) or streams given chunks, and can throw. With
/// <see cref="WeatherTool"/> it asks for the <c>get_weather</c> tool first and answers once the result is in the
/// messages. Records what it was called with.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    public const string Model = "fake-model";
    public const string ResponseModel = "fake-model-2025";

    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse> Answer { get; set; } = (_, _) => Text("hello there");

    /// <summary>Chunks to stream; the stream throws <see cref="StreamError"/> after <see cref="ThrowAfter"/> chunks when set.</summary>
    public IReadOnlyList<string> Chunks { get; set; } = ["Hel", "lo ", "wor", "ld"];

    public int? ThrowAfter { get; set; }

    public Exception StreamError { get; } = new InvalidOperationException("the model stream broke");

    public List<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public static ChatResponse Text(string text, long input = 7, long output = 3) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = ResponseModel,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output },
        };

    /// <summary>First asks for get_weather(city: Paris), then answers with what the tool returned.</summary>
    public static ChatResponse WeatherTool(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var result = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault();
        if (result is null)
        {
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]))
            {
                ModelId = ResponseModel,
                FinishReason = ChatFinishReason.ToolCalls,
                Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 2 },
            };
        }

        return Text("The weather: " + result.Result, input: 11, output: 4);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls)
        {
            Calls.Add((list, options));
        }

        return Task.FromResult(Answer(list, options));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add((messages.ToList(), options));
        }

        for (var i = 0; i < Chunks.Count; i++)
        {
            if (ThrowAfter == i)
            {
                throw StreamError;
            }

            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, Chunks[i]) { ModelId = ResponseModel, MessageId = "m1" };
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            MessageId = "m1",
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 9, OutputTokenCount = 4 })],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", new Uri("http://fake.local/"), Model)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}
