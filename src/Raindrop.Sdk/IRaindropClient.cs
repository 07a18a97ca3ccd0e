using System.Diagnostics;
using OpenTelemetry;

namespace Raindrop;

/// <summary>
/// The Raindrop client: every call only validates and enqueues, returning in microseconds; delivery happens on
/// a background worker. Only a missing required argument throws (<see cref="ArgumentException"/>); nothing the
/// server or the network does ever reaches the caller.
/// </summary>
public interface IRaindropClient : IRaindropSpans, IAsyncDisposable
{
    /// <summary>A snapshot of the delivery counters (enqueued, sent, retried, dropped, failed, unserializable values; WIRE.md §5).</summary>
    RaindropStatistics Statistics { get; }

    /// <summary>Tracks a single-shot AI event (sent to <c>events/track</c>).</summary>
    /// <param name="aiEvent">The event; <c>UserId</c>, <c>Event</c> and an <c>Input</c> or <c>Output</c> are required.</param>
    /// <returns>The event id (the given one, or a new UUID).</returns>
    string TrackAi(AiEvent aiEvent);

    /// <summary>Tracks a plain event (sent to <c>events/track</c>).</summary>
    /// <param name="trackEvent">The event; <c>UserId</c> and <c>Event</c> are required.</param>
    /// <returns>The event id (the given one, or a new UUID).</returns>
    string Track(TrackEvent trackEvent);

    /// <summary>Tracks a signal about an event (sent to <c>signals/track</c>).</summary>
    /// <param name="signal">The signal; <c>EventId</c> and <c>Name</c> are required.</param>
    void TrackSignal(Signal signal);

    /// <summary>Records a user's traits (sent to <c>users/identify</c>).</summary>
    /// <param name="userId">The user. Required.</param>
    /// <param name="traits">Arbitrary JSON-shaped traits; see <see cref="TrackEvent.Properties"/>.</param>
    void Identify(string userId, IReadOnlyDictionary<string, object?>? traits = null);

    /// <summary>
    /// Starts an interaction: an event built up over time (<c>SetProperty</c>, <c>AddAttachments</c>, spans) and
    /// finished with <see cref="IInteraction.FinishAsync"/>. Nothing is sent synchronously (WIRE.md §4).
    /// </summary>
    /// <param name="options">The interaction's first fields; <c>Event</c> is required, and <c>UserId</c> unless a
    /// <see cref="BeginScope"/> scope names the user (<see cref="ArgumentException"/> naming the missing one). A null
    /// <c>UserId</c> or <c>ConvoId</c> is taken from the current scope.</param>
    /// <returns>The live interaction, also the ambient one of the current async flow.</returns>
    IInteraction Begin(InteractionOptions options);

    /// <summary>
    /// Opens a scope for the work that runs in the current async flow from here (a request, a job): its user,
    /// conversation and properties. Calls made inside it pick them up when they name none: <see cref="Begin"/> takes
    /// the scope's user and conversation (and its properties under the interaction's own), and the chat middleware
    /// (Raindrop.Sdk.Extensions.AI) sends a model call made outside any interaction as an AI event of the scope's user.
    /// Scopes nest: an inner scope's values override the outer ones (null keeps the outer value) and properties are
    /// merged key by key. Disposing the returned handle ends the scope (the outer one is current again).
    /// </summary>
    /// <param name="userId">The user, or null to keep the outer scope's.</param>
    /// <param name="convoId">The conversation, or null to keep the outer scope's.</param>
    /// <param name="properties">Properties for what is recorded inside the scope; merged over the outer scope's.</param>
    /// <returns>A handle that ends the scope when disposed.</returns>
    IDisposable BeginScope(string? userId = null, string? convoId = null, IReadOnlyDictionary<string, object?>? properties = null);

    /// <summary>
    /// The live interaction with this id if this client still holds it, else a handle that knows only the id
    /// (its <c>FinishAsync</c> sends the id, the new fields and <c>is_pending:false</c>).
    /// </summary>
    /// <param name="eventId">The interaction's event id.</param>
    /// <returns>The interaction.</returns>
    IInteraction ResumeInteraction(string eventId);

    /// <summary>The interaction begun in the current async flow (the ambient one), or null when there is none.</summary>
    /// <returns>The ambient interaction or null.</returns>
    IInteraction? ResumeInteraction();

    /// <summary>
    /// A span processor that exports this client's spans to Raindrop, for an app that runs its own
    /// OpenTelemetry <c>TracerProvider</c> (see <see cref="RaindropOptions.UseExternalOpenTelemetry"/>); add it with
    /// <c>AddProcessor</c>, or use <c>tracing.AddRaindrop(client)</c>, which also adds the sources.
    /// </summary>
    /// <returns>The processor; the app's provider owns it.</returns>
    BaseProcessor<Activity> CreateSpanProcessor();

    /// <summary>
    /// Sends everything queued before the call (and pending interaction updates, and finished spans) and waits until
    /// it is delivered or permanently rejected, or until <see cref="RaindropOptions.FlushTimeout"/> (default 10 s) has
    /// passed, whichever comes first (WIRE.md §5). The deadline drops nothing: items still retrying stay queued and
    /// keep retrying in the background. Never throws but for cancellation of <paramref name="cancellationToken"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (delivery goes on in the background); throws
    /// <see cref="OperationCanceledException"/> when it fires.</param>
    /// <returns><see langword="true"/> when everything queued before the call was delivered or permanently rejected;
    /// <see langword="false"/> when the flush deadline came first.</returns>
    Task<bool> FlushAsync(CancellationToken cancellationToken = default);
}
