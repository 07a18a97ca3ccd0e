using System.Diagnostics;

namespace Raindrop.Tracing;

// Which interaction and client a span belongs to, and the interaction's root span: how spans find their trace and
// their association properties, and how the processor decides what to export.
internal sealed partial class Tracer
{
    /// <summary>Ends an interaction's root span, if it has one (at finish or close).</summary>
    public static void EndRoot(Interaction interaction)
    {
        interaction.EndOpenSpans(); // spans an integration could not end itself (a stream never disposed) end inside the root
        if (interaction.TakeRootSpan() is { } root)
        {
            var current = Activity.Current;
            root.Stop();
            Activity.Current = current;
        }
    }

    public static void Associate(Activity activity, Interaction interaction)
    {
        activity.SetTag(SpanAttributes.EventId, interaction.EventId);
        if (interaction.UserId is not null)
        {
            activity.SetTag(SpanAttributes.UserId, interaction.UserId);
        }

        if (interaction.ConvoId is not null)
        {
            activity.SetTag(SpanAttributes.ConvoId, interaction.ConvoId);
        }

        if (interaction.Event is not null)
        {
            activity.SetTag(SpanAttributes.EventName, interaction.Event);
        }
    }

    /// <summary>
    /// Gives a span of an AI library's source that starts inside one of the client's interactions its association
    /// properties. Here rather than on the processor so the early listener can call it without loading OpenTelemetry.
    /// </summary>
    public static void AttachLibrarySpan(Activity data, RaindropClient client, IReadOnlyList<string> sources)
    {
        if (data.Source.Name == RaindropActivitySource.Name || data.GetCustomProperty(SpanAttributes.ClientProperty) is not null)
        {
            return;
        }

        if (!RaindropActivitySource.Matches(data.Source.Name, sources))
        {
            return;
        }

        var interaction = InteractionOf(data.Parent) ?? client.Interactions.Current;
        if (interaction is not null && ReferenceEquals(interaction.Registry.Client, client))
        {
            data.SetCustomProperty(SpanAttributes.InteractionProperty, interaction);
            data.SetCustomProperty(SpanAttributes.ClientProperty, client);
            if (data.IsAllDataRequested)
            {
                Associate(data, interaction);
            }
        }
    }

    /// <summary>
    /// The span an integration's work inside <paramref name="interaction"/> should run under (the chat middleware makes
    /// it current around the inner pipeline, so spans the AI libraries start there join the interaction's trace): the
    /// current span when it already belongs to the interaction, else the interaction's root, created now (so the event
    /// gets its <c>trace_id</c>). Null when nothing listens.
    /// </summary>
    public static Activity? ParentFor(Interaction interaction)
    {
        var current = Activity.Current;
        return BelongsTo(current, interaction) ? current : EnsureRoot(interaction, current);
    }

    /// <summary>The client a span (or its nearest ancestor) was made by or belongs to, if any.</summary>
    public static RaindropClient? ClientOf(Activity? activity)
    {
        for (var a = activity; a is not null; a = a.Parent)
        {
            if (a.GetCustomProperty(SpanAttributes.InteractionProperty) is Interaction interaction)
            {
                return interaction.Registry.Client;
            }

            if (a.GetCustomProperty(SpanAttributes.ClientProperty) is RaindropClient client)
            {
                return client;
            }
        }

        return null;
    }

    /// <summary>The interaction a span (or its nearest ancestor) belongs to.</summary>
    public static Interaction? InteractionOf(Activity? activity)
    {
        for (var a = activity; a is not null; a = a.Parent)
        {
            if (a.GetCustomProperty(SpanAttributes.InteractionProperty) is Interaction interaction)
            {
                return interaction;
            }
        }

        return null;
    }

    private static bool BelongsTo(Activity? current, Interaction interaction) => ReferenceEquals(InteractionOf(current), interaction);

    private static bool Fail(Activity activity, Exception error)
    {
        RecordError(activity, error);
        return false;
    }

    // The root starts a trace of its own (WIRE.md §7): the host's Activity never decides for Raindrop. An unrecorded
    // ambient span (every ASP.NET Core request in an app without OpenTelemetry) would otherwise make the parent-based
    // sampler drop every span of the interaction, and a recorded one would point the root at a span Raindrop never
    // gets. The ambient span is kept as a link.
    private static Activity? EnsureRoot(Interaction interaction, Activity? current) =>
        interaction.GetOrCreateRootSpan(() =>
        {
            var name = interaction.Event ?? "interaction";
            ActivityLink[]? links = current is null ? null : [new ActivityLink(current.Context)];
            Activity.Current = null;
            var root = RaindropActivitySource.Source.StartActivity(name + "." + SpanAttributes.KindWorkflow, ActivityKind.Internal, parentContext: default, tags: null, links: links);
            Activity.Current = current; // the root groups the interaction's spans; it is never the flow's current span
            if (root is not null)
            {
                root.SetCustomProperty(SpanAttributes.InteractionProperty, interaction);
                root.SetTag(SpanAttributes.SpanKind, SpanAttributes.KindWorkflow);
                root.SetTag(SpanAttributes.EntityName, name);
                root.SetTag(SpanAttributes.WorkflowName, name);
                Associate(root, interaction);
            }

            return root;
        });
}
