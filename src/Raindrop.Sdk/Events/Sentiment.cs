namespace Raindrop;

/// <summary>The sentiment of a <see cref="Signal"/>; sent as <c>POSITIVE</c> or <c>NEGATIVE</c>.</summary>
public enum Sentiment
{
    /// <summary><c>POSITIVE</c>.</summary>
    Positive,

    /// <summary><c>NEGATIVE</c>.</summary>
    Negative,
}
