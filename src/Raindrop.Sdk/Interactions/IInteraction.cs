namespace Raindrop;

/// <summary>
/// An AI interaction built up over time and sent to <c>events/track_partial</c> (WIRE.md §4): what an app calls on
/// the value <see cref="IRaindropClient.Begin"/> returns. The SDK's implementation is internal; test doubles (such as
/// <c>Raindrop.Testing.InMemoryRaindropClient</c>) supply their own. The span helpers (<c>StartSpan</c>,
/// <c>StartLlmSpan</c>, <c>TrackTool</c>, and the <c>WithSpan</c>/<c>WithTool</c> extension methods of
/// <see cref="RaindropSpans"/>) come from <see cref="IRaindropSpans"/>. No member waits on the
/// network; calls after finish are ignored, never thrown. Disposing an unfinished interaction finishes it with
/// what it has.
/// </summary>
public interface IInteraction : IRaindropSpans, IAsyncDisposable, IDisposable
{
    /// <summary>The interaction's event id (<c>event_id</c> on the wire).</summary>
    string EventId { get; }

    /// <summary>The user, when known (null on a handle resumed by id only).</summary>
    string? UserId { get; }

    /// <summary>The event name, when known (null on a handle resumed by id only).</summary>
    string? Event { get; }

    /// <summary>The conversation id (<c>ai_data.convo_id</c>), when known.</summary>
    string? ConvoId { get; }

    /// <summary>True once <see cref="FinishAsync"/> (or dispose) has run.</summary>
    bool IsFinished { get; }

    /// <summary>Sets one property (last writer wins per key).</summary>
    /// <param name="key">The property name; required (<see cref="ArgumentException"/> when null or empty).</param>
    /// <param name="value">A JSON-shaped value; see <see cref="TrackEvent.Properties"/>.</param>
    void SetProperty(string key, object? value);

    /// <summary>Sets several properties (shallow merge, last writer wins per key).</summary>
    /// <param name="properties">The properties to merge; required (<see cref="ArgumentNullException"/>).</param>
    void SetProperties(IReadOnlyDictionary<string, object?> properties);

    /// <summary>Appends attachments, in order. An attachment without a <c>Value</c> throws <see cref="ArgumentException"/>.</summary>
    /// <param name="attachments">The attachments to add.</param>
    void AddAttachments(params Attachment[] attachments);

    /// <summary>Sets (replaces) the interaction's input (<c>ai_data.input</c>).</summary>
    /// <param name="input">What the user sent; required (<see cref="ArgumentNullException"/>).</param>
    void SetInput(string input);

    /// <summary>
    /// Finishes the interaction: merges the last fields and queues the event with <c>is_pending:false</c>. Returns
    /// once it is queued, never waiting on the network. A second call is ignored with a one-time warning.
    /// </summary>
    /// <param name="output">The AI's answer (<c>ai_data.output</c>).</param>
    /// <param name="properties">Final properties to merge.</param>
    /// <param name="attachments">Final attachments to append.</param>
    /// <param name="model">The model, if not given at <c>Begin</c> or changed since.</param>
    /// <param name="cancellationToken">Unused beyond convention: finishing never waits on the network.</param>
    /// <returns>A task that completes once the final update is queued.</returns>
    Task FinishAsync(
        string? output = null,
        IReadOnlyDictionary<string, object?>? properties = null,
        IReadOnlyList<Attachment>? attachments = null,
        string? model = null,
        CancellationToken cancellationToken = default);
}
