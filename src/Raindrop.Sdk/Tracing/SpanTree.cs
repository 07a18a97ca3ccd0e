using System.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// Which interaction and client a span belongs to, and each interaction's root span: how spans find their trace and
/// their association properties, and how the processor decides what to export.
/// </summary>
internal static class SpanTree
{
    // Custom property (never exported) of a root span: the host's span it replaced as the flow's current one.
    public const string AmbientProperty = "raindrop.ambient";

    // Custom property (never exported) marking an interaction's root span.
    private const string RootProperty = "raindrop.root";

    /// <summary>
    /// Whether the host records <paramref name="span"/>: a listener of its source sampled it (the app runs OpenTelemetry).
    /// A span ASP.NET Core made with no listener only carries the caller's <c>traceparent</c> flag, which decides nothing.
    /// </summary>
    public static bool HostRecords(Activity? span) => span is { Recorded: true, IsAllDataRequested: true } && span.Source.Name.Length != 0;

    /// <summary>Whether <paramref name="span"/> is an interaction's root that no other span joined (it is not exported).</summary>
    public static bool IsEmptyRoot(Activity span) => span.GetCustomProperty(RootProperty) is Interaction { Spans.Joined: false };

    /// <summary>
    /// Ends an interaction's root span, if it has one (at finish or close), giving the flow back its own span. The
    /// caller ends the interaction's open spans first (<see cref="Interactions.InteractionSpans.EndOpen"/>), so they end inside it.
    /// </summary>
    public static void EndRoot(Interaction interaction)
    {
        if (interaction.Spans.TakeRoot() is { } root)
        {
            var current = Activity.Current;
            root.Stop();
            Activity.Current = ReferenceEquals(current, root) ? root.GetCustomProperty(AmbientProperty) as Activity : current;
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
            interaction.NoteSpan(data.TraceId);
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

    public static bool BelongsTo(Activity? current, Interaction interaction) => ReferenceEquals(InteractionOf(current), interaction);

    // Where the root hangs (WIRE.md §7): under the host's span when the host records it (the app runs OpenTelemetry
    // and sampled the request), so the app's trace stays whole; otherwise in a trace of its own, linked to the host's
    // span, since an unrecorded parent must never decide for Raindrop.
    public static Activity? EnsureRoot(Interaction interaction, Activity? current, bool makeCurrent = false) =>
        interaction.Spans.GetOrCreateRoot((interaction, current, makeCurrent), static state =>
        {
            var (interaction, current, makeCurrent) = state;
            var name = interaction.Event ?? "interaction";
            var recordedParent = HostRecords(current) && InteractionOf(current) is null;
            var parent = recordedParent ? current!.Context : default;
            ActivityLink[]? links = current is null || recordedParent ? null : [new ActivityLink(current.Context)];
            if (!recordedParent && current is not null)
            {
                Activity.Current = null; // a root of its own, not the unrecorded host span's child
            }

            var root = RaindropActivitySource.Source.StartActivity(interaction.Registry.Client.Tracer.Names.Of(name, SpanAttributes.KindWorkflow), ActivityKind.Internal, parent, tags: null, links: links);
            if (!makeCurrent || root is null)
            {
                Activity.Current = current; // starting it made it the flow's span; the caller decides
            }
            if (root is not null)
            {
                root.SetCustomProperty(SpanAttributes.InteractionProperty, interaction);
                root.SetCustomProperty(RootProperty, interaction);

                // Most roots are never exported (no span joins them): tagged when one joins, unless the app's own
                // pipeline may export it first.
                if (recordedParent || interaction.Spans.Joined || interaction.Registry.Client.Tracer.AppPipeline)
                {
                    TagRoot(root, interaction);
                }
            }

            return root;
        });

    /// <summary>Gives an interaction's root span its names and association properties.</summary>
    public static void TagRoot(Activity root, Interaction interaction)
    {
        var name = interaction.Event ?? "interaction";
        root.SetTag(SpanAttributes.SpanKind, SpanAttributes.KindWorkflow);
        root.SetTag(SpanAttributes.EntityName, name);
        root.SetTag(SpanAttributes.WorkflowName, name);
        Associate(root, interaction);
    }
}
