namespace Raindrop;

/// <summary>The kind of a <see cref="Signal"/>; sent in snake_case.</summary>
public enum SignalType
{
    /// <summary><c>default</c>: a generic signal.</summary>
    Default,

    /// <summary><c>feedback</c>: user feedback; <see cref="Signal.Comment"/> carries the text.</summary>
    Feedback,

    /// <summary><c>edit</c>: the user edited the output; <see cref="Signal.After"/> carries the edited text.</summary>
    Edit,

    /// <summary><c>standard</c>.</summary>
    Standard,

    /// <summary><c>agent</c>: a signal raised by an agent.</summary>
    Agent,

    /// <summary><c>agent_internal</c>: an agent-internal signal.</summary>
    AgentInternal,
}
