using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Raindrop.Tracing;

/// <summary>
/// The span helpers of one client. Spans come from the static <c>Raindrop.Sdk</c> source; inside an
/// interaction they carry its association properties and are grouped under a lazily created
/// <c>&lt;event&gt;.workflow</c> root span, so all of an interaction's spans form one trace whose id the event
/// carries as <c>properties.trace_id</c>. With no listener on the source, helpers only call the delegate.
/// </summary>
internal sealed partial class Tracer
{
    // Spans kept open outside any interaction (a stream never disposed) end when the client flushes or closes.
    private readonly OpenSpans _openSpans = new();
    private readonly int _maxChars;
    private readonly ILogger _logger;
    private readonly Diagnostics.RateLimiter _failures;
    private readonly TimeProvider _time;
    private readonly RaindropClient _client;

    public Tracer(RaindropClient client, RaindropOptions options, TimeProvider time, ILogger logger)
    {
        _client = client;
        _maxChars = options.MaxTextFieldChars;
        _time = time;
        _logger = logger;
        _failures = new Diagnostics.RateLimiter(time);
        AppPipeline = options.UseExternalOpenTelemetry;
    }

    /// <summary>Whether spans are exported by the app's OpenTelemetry pipeline (which may export what Raindrop would not).</summary>
    public bool AppPipeline { get; }

    /// <summary>Whether anyone listens to the <c>Raindrop.Sdk</c> source (the client's own provider, or the app's).</summary>
    public static bool Listening => RaindropActivitySource.Source.HasListeners();

    public static void RecordError(Activity activity, Exception error)
    {
        // The app's exception is untrusted too: an override of Message or ToString that throws costs only the details.
        string? message = null;
        try
        {
            message = error.Message;
            activity.AddEvent(new ActivityEvent("exception", default, new ActivityTagsCollection
            {
                { "exception.type", error.GetType().FullName },
                { "exception.message", message },
                { "exception.stacktrace", error.ToString() },
            }));
        }
        catch (Exception)
        {
            message ??= error.GetType().FullName;
        }

        activity.SetStatus(ActivityStatusCode.Error, message);
    }

    /// <summary>
    /// Starts the interaction's root span as <c>Begin</c> returns and makes it the flow's current span, so every span
    /// made inside the interaction (Raindrop's, and the AI libraries' own: Semantic Kernel, the Agent Framework, M.E.AI)
    /// joins its tree, even under the unrecorded Activity ASP.NET Core makes for each request (WIRE.md §7). Under a
    /// recorded host span the root is that span's child, so the app's trace stays whole. Ended, and the host's span
    /// restored, at finish; exported only if a span joined it.
    /// </summary>
    public void EnterInteraction(Interaction interaction)
    {
        var ambient = Activity.Current;
        if (!Listening)
        {
            return;
        }

        try
        {
            if (SpanTree.EnsureRoot(interaction, ambient, makeCurrent: true) is { } root)
            {
                root.SetCustomProperty(SpanTree.AmbientProperty, ambient);
                Activity.Current = root;
            }
        }
        catch (Exception ex)
        {
            Contained(ex);
        }
    }

    /// <summary>Registers how to end an open span outside any interaction; <see cref="EndOpenSpans"/> runs it once.</summary>
    public void TrackOpenSpan(Action end) => _openSpans.Track(end);

    /// <summary>Forgets a span registered with <see cref="TrackOpenSpan"/> (it ended on its own).</summary>
    public void ForgetOpenSpan(Action end) => _openSpans.Forget(end);

    /// <summary>Ends every registered open span (for <c>FlushAsync</c> and close, before spans are exported). Never throws.</summary>
    public void EndOpenSpans() => _openSpans.EndAll(close: false, Contained);

    /// <summary>Span names, made once per name and kind.</summary>
    public SpanNames Names { get; } = new();

    public string Cap(string text) => Serialization.TextLimits.Truncate(text, _maxChars);

    /// <summary>
    /// Starts a span (making it <see cref="Activity.Current"/>), or returns null when it is not recorded. Never throws:
    /// a span that cannot be recorded must not stop the app's delegate from running.
    /// </summary>
    public Activity? Start(Interaction? interaction, string kind, string name, SpanOptions? options, DateTimeOffset startTime = default)
    {
        if (!Listening)
        {
            return null;
        }

        Activity? activity = null;
        try
        {
            activity = StartActivity(interaction, kind, name, startTime);
            if (activity is { IsAllDataRequested: true } && options is not null)
            {
                if (options.Version is { } version)
                {
                    activity.SetTag(SpanAttributes.EntityVersion, version);
                }

                if (options.Properties is not null)
                {
                    SetProperties(activity, options.Properties);
                }

                if (options.Input is not null)
                {
                    SetPayload(activity, SpanAttributes.EntityInput, options.Input);
                }
            }
        }
        catch (Exception ex)
        {
            Contained(ex);
        }

        return activity;
    }

    /// <summary>Logs (rate-limited) a failure of the span helpers that was kept from the app.</summary>
    public void Contained(Exception ex)
    {
        if (_failures.TryAcquire(1, out var count))
        {
            LogSpanFailed(_logger, ex, count);
        }
    }

    private Activity? StartActivity(Interaction? interaction, string kind, string name, DateTimeOffset startTime)
    {
        var parent = default(ActivityContext);
        var current = Activity.Current;
        if (interaction is not null && !SpanTree.BelongsTo(current, interaction))
        {
            parent = SpanTree.EnsureRoot(interaction, current)?.Context ?? default;
        }

        var activity = RaindropActivitySource.Source.StartActivity(Names.Of(name, kind), ActivityKind.Internal, parent, tags: null, links: null, startTime);
        if (activity is null)
        {
            return null;
        }

        activity.SetCustomProperty(SpanAttributes.InteractionProperty, interaction);
        activity.SetCustomProperty(SpanAttributes.ClientProperty, _client);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(SpanAttributes.SpanKind, kind);
            activity.SetTag(SpanAttributes.EntityName, name);
            if (interaction is not null)
            {
                interaction.NoteSpan(activity.TraceId);
                SpanTree.Associate(activity, interaction);
            }
        }

        return activity;
    }

    public static string KindOf(RaindropSpanKind kind) => kind switch
    {
        RaindropSpanKind.Task => SpanAttributes.KindTask,
        RaindropSpanKind.Tool => SpanAttributes.KindTool,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a span kind."),
    };

    public RaindropSpan StartManual(Interaction? interaction, string kind, string name, SpanOptions? options)
    {
        var previous = Activity.Current;
        return new RaindropSpan(this, Start(interaction, kind, name, options), previous);
    }

    public RaindropSpan StartLlm(Interaction? interaction, string model, IReadOnlyList<LlmMessage>? prompt, string? name, DateTimeOffset startTime = default)
    {
        var previous = Activity.Current;
        var activity = Start(interaction, SpanAttributes.KindLlm, name ?? "chat", null, startTime);
        if (activity is { IsAllDataRequested: true })
        {
            try
            {
                RecordPrompt(activity, model, prompt);
            }
            catch (Exception ex)
            {
                Contained(ex);
            }
        }

        return new RaindropSpan(this, activity, previous);
    }

    private void RecordPrompt(Activity activity, string model, IReadOnlyList<LlmMessage>? prompt)
    {
        activity.SetTag(SpanAttributes.RequestModel, model);
        activity.SetTag(SpanAttributes.GenAiOperation, "chat");
        if (prompt is null)
        {
            return;
        }

        var messages = new object?[prompt.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            var message = prompt[i];
            activity.SetTag(SpanAttributes.PromptKey(i, content: false), message.Role);
            activity.SetTag(SpanAttributes.PromptKey(i, content: true), message.Content is null ? null : Cap(message.Content));
            messages[i] = new KeyValuePair<string, object?>[] { new("role", message.Role), new("content", message.Content) };
        }

        activity.SetTag(SpanAttributes.EntityInput, PayloadSerializer.Serialize(messages, _maxChars));
    }

    public void TrackTool(Interaction? interaction, string name, object? input, object? output, TimeSpan duration, Exception? error)
    {
        var previous = Activity.Current;
        var end = _time.GetUtcNow();

        // An out-of-range duration (negative, or longer than the calendar allows) is clamped, never thrown.
        var start = duration <= TimeSpan.Zero ? end : end - DateTimeOffset.MinValue < duration ? DateTimeOffset.MinValue : end - duration;
        var activity = Start(interaction, SpanAttributes.KindTool, name, input is null ? null : new SpanOptions { Input = input }, start);
        if (activity is null)
        {
            return;
        }

        if (output is not null)
        {
            SetPayload(activity, SpanAttributes.EntityOutput, output);
        }

        if (error is not null)
        {
            RecordError(activity, error);
        }

        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
        Activity.Current = previous;
    }

    public void SetPayload(Activity? activity, string key, object? value)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(key, PayloadSerializer.Serialize(_client.Input.Value(value), _maxChars));
    }

    public void SetProperties(Activity? activity, IReadOnlyDictionary<string, object?> properties)
    {
        if (activity is not { IsAllDataRequested: true } || _client.Input.Members(properties) is not { } members)
        {
            return;
        }

        foreach (var (key, value) in members)
        {
            object? tag = value switch
            {
                null => null,
                string or bool or int or long or double => value,
                _ => PayloadSerializer.Serialize(value, _maxChars),
            };
            activity.SetTag(SpanAttributes.AssociationPrefix + key, tag);
        }
    }

    [LoggerMessage(400, LogLevel.Warning, "Raindrop could not record {Count} span detail(s) since the last report (at most one line per 30 s); the app's code ran unaffected.")]
    private static partial void LogSpanFailed(ILogger logger, Exception exception, long count);
}
