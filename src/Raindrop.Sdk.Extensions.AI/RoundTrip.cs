using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>One model round trip of a tool loop: what the model answered, and the tool results sent back after it.</summary>
internal readonly record struct RoundTrip(ChatResponse Response, IList<ChatMessage> ToolMessages);
