using Microsoft.Extensions.AI;

namespace RequestCost;

/// <summary>A model in process: answers at once with a fixed text and usage, so only the instrumentation costs.</summary>
internal sealed class FakeModel : IChatClient
{
    private static readonly ChatClientMetadata Metadata = new("fake", new Uri("http://fake.local/"), "fake-model");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "The order ships on Tuesday; tracking follows by email."))
        {
            ModelId = "fake-model-2025",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 120, OutputTokenCount = 14, TotalTokenCount = 134 },
        });

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null : serviceType == typeof(ChatClientMetadata) ? Metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
