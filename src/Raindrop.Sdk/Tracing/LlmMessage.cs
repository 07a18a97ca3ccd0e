namespace Raindrop;

/// <summary>One prompt message of an LLM call recorded with <c>StartLlmSpan</c>.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The message text.</param>
public sealed record LlmMessage(string Role, string Content);
