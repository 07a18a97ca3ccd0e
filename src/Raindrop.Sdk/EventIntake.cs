using Raindrop.Delivery;

namespace Raindrop;

/// <summary>
/// The single-shot calls (<c>TrackAi</c>, <c>Track</c>, <c>TrackSignal</c>, <c>Identify</c>) from public record to
/// queued item: checks what is required (<see cref="ArgumentException"/> naming it, also when the client sends
/// nothing, so a bad call fails in every environment), then, only when the client is sending, snapshots and caps
/// with <see cref="InputNormalizer"/> and enqueues on the route's worker.
/// </summary>
internal sealed class EventIntake(RaindropClient client, InputNormalizer input, DeliveryPipeline? pipeline)
{
    public string TrackAi(AiEvent aiEvent)
    {
        ArgumentNullException.ThrowIfNull(aiEvent);
        var userId = input.Id(InputNormalizer.Require(aiEvent.UserId, nameof(AiEvent.UserId), nameof(AiEvent)));
        var name = input.Id(InputNormalizer.Require(aiEvent.Event, nameof(AiEvent.Event), nameof(AiEvent)));
        if (aiEvent.Input is null && aiEvent.Output is null)
        {
            throw new ArgumentException("AiEvent needs an Input or an Output; both were null.", nameof(AiEvent.Input));
        }

        var eventId = input.Id(InputNormalizer.Optional(aiEvent.EventId)) ?? InputNormalizer.NewEventId();
        var attachments = input.Attachments(aiEvent.Attachments, nameof(AiEvent));
        if (!Accepting(nameof(TrackAi)))
        {
            return eventId;
        }

        pipeline!.Events.TryEnqueue(new EventItem(
            eventId,
            userId,
            name,
            aiEvent.Timestamp ?? input.Now(),
            input.Properties(aiEvent.Properties),
            attachments,
            input.Text(aiEvent.Input),
            input.Text(aiEvent.Output),
            InputNormalizer.Optional(aiEvent.Model),
            input.Id(InputNormalizer.Optional(aiEvent.ConvoId)),
            isPending: null));
        return eventId;
    }

    public string Track(TrackEvent trackEvent)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        var userId = input.Id(InputNormalizer.Require(trackEvent.UserId, nameof(TrackEvent.UserId), nameof(TrackEvent)));
        var name = input.Id(InputNormalizer.Require(trackEvent.Event, nameof(TrackEvent.Event), nameof(TrackEvent)));
        var eventId = input.Id(InputNormalizer.Optional(trackEvent.EventId)) ?? InputNormalizer.NewEventId();
        var attachments = input.Attachments(trackEvent.Attachments, nameof(TrackEvent));
        if (!Accepting(nameof(Track)))
        {
            return eventId;
        }

        pipeline!.Events.TryEnqueue(new EventItem(
            eventId, userId, name, trackEvent.Timestamp ?? input.Now(), input.Properties(trackEvent.Properties), attachments,
            input: null, output: null, model: null, convoId: null, isPending: null));
        return eventId;
    }

    public void TrackSignal(Signal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        InputNormalizer.Require(signal.EventId, nameof(Signal.EventId), nameof(Signal));
        InputNormalizer.Require(signal.Name, nameof(Signal.Name), nameof(Signal));
        if (!Enum.IsDefined(signal.Type) || (signal.Sentiment is { } s && !Enum.IsDefined(s)))
        {
            throw new ArgumentException("Signal.Type or Signal.Sentiment has an unknown value.", nameof(Signal.Type));
        }

        if (Accepting(nameof(TrackSignal)))
        {
            pipeline!.Signals.TryEnqueue(new SignalItem(input.Ids(signal), input.Members(signal.Properties)));
        }
    }

    public void Identify(string userId, IReadOnlyDictionary<string, object?>? traits)
    {
        InputNormalizer.Require(userId, nameof(userId), nameof(Identify));
        if (Accepting(nameof(Identify)))
        {
            pipeline!.Identify.TryEnqueue(new IdentifyItem(input.Id(userId), input.Members(traits)));
        }
    }

    private bool Accepting(string call)
    {
        if (pipeline is null)
        {
            return false;
        }

        if (client.IsClosed)
        {
            client.WarnAfterClose(call);
            return false;
        }

        return true;
    }
}
