namespace Raindrop.Serialization;

/// <summary>The wire strings of the public enums (no reflection: a switch per enum).</summary>
internal static class WireNames
{
    public static string Of(AttachmentType type) => type switch
    {
        AttachmentType.Code => "code",
        AttachmentType.Text => "text",
        AttachmentType.Image => "image",
        AttachmentType.Iframe => "iframe",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown AttachmentType."),
    };

    public static string Of(AttachmentRole role) => role switch
    {
        AttachmentRole.Input => "input",
        AttachmentRole.Output => "output",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown AttachmentRole."),
    };

    public static string Of(SignalType type) => type switch
    {
        SignalType.Default => "default",
        SignalType.Feedback => "feedback",
        SignalType.Edit => "edit",
        SignalType.Standard => "standard",
        SignalType.Agent => "agent",
        SignalType.AgentInternal => "agent_internal",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown SignalType."),
    };

    public static string Of(Sentiment sentiment) => sentiment switch
    {
        Sentiment.Positive => "POSITIVE",
        Sentiment.Negative => "NEGATIVE",
        _ => throw new ArgumentOutOfRangeException(nameof(sentiment), sentiment, "Unknown Sentiment."),
    };
}
