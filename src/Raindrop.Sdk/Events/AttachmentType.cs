namespace Raindrop;

/// <summary>What an <see cref="Attachment"/> holds; sent as its lowercase name.</summary>
public enum AttachmentType
{
    /// <summary>Source code (<c>code</c>); set <see cref="Attachment.Language"/> too.</summary>
    Code,

    /// <summary>Plain text (<c>text</c>).</summary>
    Text,

    /// <summary>An image URL (<c>image</c>).</summary>
    Image,

    /// <summary>A URL to show in an iframe (<c>iframe</c>).</summary>
    Iframe,
}
