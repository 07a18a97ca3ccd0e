using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ExtensionsAIChat;

/// <summary>
/// A local stand-in for a chat model, so the sample runs offline: asked about the weather, it first calls the
/// <c>get_weather</c> tool, then answers with the tool's result; anything else gets a canned reply, streamed
/// word by word. Reports token usage like a real model.
/// </summary>
internal sealed class FakeWeatherModel : IChatClient
{
    private const string Model = "fake-weather-1";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var result = history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault();
        var question = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        ChatMessage answer;
        if (result is null && question.Contains("weather", StringComparison.OrdinalIgnoreCase) && options?.Tools is { Count: > 0 })
        {
            answer = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]);
        }
        else
        {
            answer = new ChatMessage(ChatRole.Assistant, result is null ? "I am a fake model, but a friendly one." : $"Good news: it is {result.Result} in Paris.");
        }

        return Task.FromResult(new ChatResponse(answer)
        {
            ModelId = Model,
            FinishReason = answer.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 12 * history.Count, OutputTokenCount = 9 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            await Task.Delay(20, cancellationToken); // a model streams; so does this one
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", null, Model)
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
