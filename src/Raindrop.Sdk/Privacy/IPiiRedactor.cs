namespace Raindrop;

/// <summary>
/// Removes personal data from a text field before the SDK queues it. Set one on
/// <see cref="RaindropOptions.Redactor"/> to replace the built-in <see cref="PiiRedactor"/>,
/// or call <see cref="PiiRedactor.Instance"/> from yours to extend it.
/// </summary>
public interface IPiiRedactor
{
    /// <summary>Returns <paramref name="text"/> with personal data replaced by tokens.</summary>
    /// <param name="text">The text to redact; never null.</param>
    /// <returns>The redacted text (the same instance when nothing matched is fine).</returns>
    string Redact(string text);
}
