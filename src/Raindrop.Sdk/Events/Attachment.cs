namespace Raindrop;

/// <summary>
/// Content shown beside an event in Raindrop: code, text, an image URL or an iframe URL.
/// </summary>
public sealed record Attachment
{
    /// <summary>What the attachment holds.</summary>
    public required AttachmentType Type { get; init; }

    /// <summary>Whether it was an input to the AI or an output of it.</summary>
    public required AttachmentRole Role { get; init; }

    /// <summary>The content (text, code, or URL). Required.</summary>
    public required string Value { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>The language of a <see cref="AttachmentType.Code"/> attachment (e.g. <c>python</c>).</summary>
    public string? Language { get; init; }

    /// <summary>An optional id that a <see cref="Signal"/> can point at with <see cref="Signal.AttachmentId"/>.</summary>
    public string? AttachmentId { get; init; }
}
