namespace AspNetCoreChat;

/// <summary>A chat turn from the UI.</summary>
/// <param name="UserId">Who is asking.</param>
/// <param name="Message">What they asked.</param>
/// <param name="ConversationId">The conversation, if any.</param>
public sealed record ChatRequest(string UserId, string Message, string? ConversationId);

/// <summary>The answer, with the event id the UI sends feedback about.</summary>
/// <param name="EventId">The Raindrop event id of this turn.</param>
/// <param name="Answer">The assistant's answer.</param>
public sealed record ChatResponse(string EventId, string Answer);

/// <summary>Thumbs up or down on an answer.</summary>
/// <param name="EventId">The event id from <see cref="ChatResponse"/>.</param>
/// <param name="Positive">True for thumbs up.</param>
/// <param name="Comment">What the user said, if anything.</param>
public sealed record FeedbackRequest(string EventId, bool Positive, string? Comment);
