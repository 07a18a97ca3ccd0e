namespace Raindrop;

/// <summary>Whether an <see cref="Attachment"/> was given to the AI or produced by it.</summary>
public enum AttachmentRole
{
    /// <summary>Given to the AI (<c>input</c>).</summary>
    Input,

    /// <summary>Produced by the AI (<c>output</c>).</summary>
    Output,
}
