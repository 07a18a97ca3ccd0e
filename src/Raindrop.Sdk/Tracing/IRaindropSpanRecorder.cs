namespace Raindrop;

/// <summary>
/// Receives what an app records on a <see cref="RaindropSpan"/> created with
/// <see cref="RaindropSpan(IRaindropSpanRecorder)"/>: the hook test doubles (such as
/// <c>Raindrop.Testing.InMemoryRaindropClient</c>) use to capture manual spans. Implementations must not throw.
/// </summary>
public interface IRaindropSpanRecorder
{
    /// <summary>The span's input was recorded (<see cref="RaindropSpan.RecordInput"/>).</summary>
    /// <param name="input">The value as the app passed it.</param>
    void RecordInput(object? input);

    /// <summary>The span's output was recorded (<see cref="RaindropSpan.RecordOutput"/>).</summary>
    /// <param name="output">The value as the app passed it.</param>
    void RecordOutput(object? output);

    /// <summary>Properties were added (<see cref="RaindropSpan.SetProperties"/>).</summary>
    /// <param name="properties">The properties as the app passed them.</param>
    void SetProperties(IReadOnlyDictionary<string, object?> properties);

    /// <summary>Token usage was recorded (<see cref="RaindropSpan.RecordUsage"/>).</summary>
    /// <param name="inputTokens">Prompt tokens.</param>
    /// <param name="outputTokens">Completion tokens.</param>
    /// <param name="responseModel">The answering model.</param>
    void RecordUsage(long? inputTokens, long? outputTokens, string? responseModel);

    /// <summary>The span ended (called once, on the first <see cref="RaindropSpan.End"/> or dispose).</summary>
    /// <param name="exception">The error it ended with, if any.</param>
    void Ended(Exception? exception);
}
