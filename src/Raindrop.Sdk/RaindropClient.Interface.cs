namespace Raindrop;

// IRaindropClient hands out IInteraction; the public methods keep returning the concrete Interaction.
public sealed partial class RaindropClient
{
    /// <inheritdoc />
    IInteraction IRaindropClient.Begin(InteractionOptions options) => Begin(options);

    /// <inheritdoc />
    IInteraction IRaindropClient.ResumeInteraction(string eventId) => ResumeInteraction(eventId);

    /// <inheritdoc />
    IInteraction? IRaindropClient.ResumeInteraction() => ResumeInteraction();
}
