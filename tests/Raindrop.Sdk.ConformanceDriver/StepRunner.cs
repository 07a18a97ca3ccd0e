using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Raindrop.ConformanceDriver;

/// <summary>A step this driver cannot express with the SDK's public API: the driver prints <c>unsupported:&lt;step&gt;</c> and exits 3.</summary>
internal sealed class UnsupportedStepException(string step) : Exception($"unsupported step '{step}'")
{
    public string Step { get; } = step;
}

/// <summary>
/// Runs protocol-1 steps, in order, against one <see cref="RaindropClient"/>, through its public API only.
/// Each step returns the time of its SDK call alone (argument parsing is done before the clock starts).
/// </summary>
internal sealed class StepRunner(RaindropOptions baseOptions, TextWriter stdout) : IAsyncDisposable
{
    private RaindropClient? _client;
    private IInteraction? _interaction;
    private bool _closed;
    private bool _lastFlushDelivered;

    private RaindropClient Client => _client ??= new RaindropClient(baseOptions);

    private IInteraction OpenInteraction(string step) =>
        _interaction ?? throw new StepArgumentException($"{step}: no interaction was begun.");

    public async Task RunAsync(IReadOnlyList<(string Name, JsonElement Args)> steps)
    {
        for (var index = 0; index < steps.Count; index++)
        {
            var (name, args) = steps[index];
            var elapsed = await RunStepAsync(new JsonArgs(name, args));
            stdout.Write("{\"step\": ");
            stdout.Write(index.ToString(CultureInfo.InvariantCulture));
            stdout.Write(", \"ms\": ");
            stdout.Write(elapsed.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture));
            if (name == "flush")
            {
                stdout.Write(_lastFlushDelivered ? ", \"delivered\": true" : ", \"delivered\": false");
            }

            stdout.Write("}\n");
            stdout.Flush();
        }
    }

    /// <summary>Disposes the client unless a <c>close</c> step already did.</summary>
    /// <returns>A task that completes when the client is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_client is not null && !_closed)
        {
            _closed = true;
            await _client.DisposeAsync();
        }
    }

    private ValueTask<TimeSpan> RunStepAsync(JsonArgs a) => a.Step switch
    {
        "init" => Sync(Init(a)),
        "track" => Sync(Track(a)),
        "track_ai" => Sync(TrackAi(a)),
        "begin" => Sync(Begin(a)),
        "patch" => Sync(Patch(a)),
        "finish" => FinishAsync(a),
        "resume_finish" => ResumeFinishAsync(a),
        "identify" => Sync(Identify(a)),
        "signal" => Sync(Signal(a)),
        "burst" => BurstAsync(a),
        "flush" => FlushAsync(),
        "close" => CloseStepAsync(),
        "sleep" => SleepAsync(a),
        "with_span" or "with_tool" => RunTracingStepAsync(a),
        _ => throw new UnsupportedStepException(a.Step),
    };

    private static ValueTask<TimeSpan> Sync(TimeSpan elapsed) => ValueTask.FromResult(elapsed);

    private TimeSpan Init(JsonArgs a)
    {
        if (_client is not null)
        {
            throw new StepArgumentException("init: must come before every other step.");
        }

        var options = new RaindropOptions
        {
            WriteKey = baseOptions.WriteKey,
            Endpoint = baseOptions.Endpoint,
            ProjectId = baseOptions.ProjectId,
        };
        if (a.OptionalMilliseconds("flush_interval_ms") is { } flushInterval)
        {
            options.FlushInterval = flushInterval;
        }

        if (a.OptionalInt("batch_size") is { } batchSize)
        {
            options.BatchSize = batchSize;
        }

        if (a.OptionalInt("max_queue_size") is { } maxQueueSize)
        {
            options.MaxQueueSize = maxQueueSize;
        }

        if (a.OptionalMilliseconds("request_timeout_ms") is { } requestTimeout)
        {
            options.RequestTimeout = requestTimeout;
        }

        if (a.OptionalMilliseconds("flush_timeout_ms") is { } flushTimeout)
        {
            options.FlushTimeout = flushTimeout;
        }

        if (a.OptionalLong("max_queue_bytes") is { } maxQueueBytes)
        {
            options.MaxQueueBytes = maxQueueBytes;
        }

        if (a.OptionalMilliseconds("close_timeout_ms") is { } closeTimeout)
        {
            options.CloseTimeout = closeTimeout;
        }

        if (a.OptionalInt("max_text_field_chars") is { } maxTextFieldChars)
        {
            options.MaxTextFieldChars = maxTextFieldChars;
        }

        if (a.OptionalBool("redact_pii") is { } redactPii)
        {
            options.RedactPii = redactPii;
        }

        if (a.OptionalBool("disabled") is { } disabled)
        {
            options.Disabled = disabled;
        }

        var t0 = Stopwatch.GetTimestamp();
        _client = new RaindropClient(options);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan Track(JsonArgs a)
    {
        var trackEvent = new TrackEvent
        {
            UserId = a.Required("user_id"),
            Event = a.Required("event"),
            EventId = a.Optional("event_id"),
            Properties = a.OptionalObject("properties"),
            Attachments = a.OptionalAttachments("attachments"),
            Timestamp = a.OptionalTimestamp("timestamp"),
        };
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        client.Track(trackEvent);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan TrackAi(JsonArgs a)
    {
        var aiEvent = new AiEvent
        {
            UserId = a.Required("user_id"),
            Event = a.Required("event"),
            EventId = a.Optional("event_id"),
            Model = a.Optional("model"),
            Input = a.Optional("input"),
            Output = a.Optional("output"),
            ConvoId = a.Optional("convo_id"),
            Properties = a.OptionalObject("properties"),
            Attachments = a.OptionalAttachments("attachments"),
            Timestamp = a.OptionalTimestamp("timestamp"),
        };
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        client.TrackAi(aiEvent);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan Begin(JsonArgs a)
    {
        var options = new InteractionOptions
        {
            UserId = a.Required("user_id"),
            Event = a.Required("event"),
            EventId = a.Optional("event_id"),
            Model = a.Optional("model"),
            Input = a.Optional("input"),
            ConvoId = a.Optional("convo_id"),
            Properties = a.OptionalObject("properties"),
            Attachments = a.OptionalAttachments("attachments"),
            Timestamp = a.OptionalTimestamp("timestamp"),
        };
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        _interaction = client.Begin(options);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan Patch(JsonArgs a)
    {
        var interaction = OpenInteraction(a.Step);
        var properties = a.OptionalObject("properties");
        var attachments = a.OptionalAttachments("attachments");
        var input = a.Optional("input");
        var t0 = Stopwatch.GetTimestamp();
        if (properties is not null)
        {
            interaction.SetProperties(properties);
        }

        if (attachments is not null)
        {
            interaction.AddAttachments([.. attachments]);
        }

        if (input is not null)
        {
            interaction.SetInput(input);
        }

        return Stopwatch.GetElapsedTime(t0);
    }

    private async ValueTask<TimeSpan> FinishAsync(JsonArgs a)
    {
        var interaction = OpenInteraction(a.Step);
        var output = a.Optional("output");
        var properties = a.OptionalObject("properties");
        var attachments = a.OptionalAttachments("attachments");
        var t0 = Stopwatch.GetTimestamp();
        await interaction.FinishAsync(output, properties, attachments);
        return Stopwatch.GetElapsedTime(t0);
    }

    private async ValueTask<TimeSpan> ResumeFinishAsync(JsonArgs a)
    {
        var eventId = a.Required("event_id");
        var output = a.Optional("output");
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        await client.ResumeInteraction(eventId).FinishAsync(output);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan Identify(JsonArgs a)
    {
        var userId = a.Required("user_id");
        var traits = a.OptionalObject("traits");
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        client.Identify(userId, traits);
        return Stopwatch.GetElapsedTime(t0);
    }

    private TimeSpan Signal(JsonArgs a)
    {
        var signal = new Signal
        {
            EventId = a.Required("event_id"),
            Name = a.Required("name"),
            Type = a.OptionalSignalType("signal_type") ?? SignalType.Default,
            Sentiment = a.OptionalSentiment("sentiment"),
            Comment = a.Optional("comment"),
            After = a.Optional("after"),
            AttachmentId = a.Optional("attachment_id"),
            Properties = a.OptionalObject("properties"),
            Timestamp = a.OptionalTimestamp("timestamp"),
        };
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        client.TrackSignal(signal);
        return Stopwatch.GetElapsedTime(t0);
    }

    /// <summary>
    /// <c>count</c> TrackAi calls with event ids <c>prefix0 … prefix{count-1}</c>, spread over <c>parallel</c>
    /// concurrent tasks. Everything shared (the properties dictionary included) is built once, before the clock
    /// starts; the loop allocates only the event id and the event record.
    /// </summary>
    private async ValueTask<TimeSpan> BurstAsync(JsonArgs a)
    {
        var count = a.RequiredInt("count");
        var parallel = Math.Max(1, a.OptionalInt("parallel") ?? 1);
        var prefix = a.Required("prefix");
        var template = new AiEvent
        {
            UserId = a.Required("user_id"),
            Event = a.Required("event"),
            Input = a.Optional("input"),
            Output = a.Optional("output"),
            Model = a.Optional("model"),
            ConvoId = a.Optional("convo_id"),
            Properties = a.OptionalObject("properties"),
        };
        var client = Client;

        var t0 = Stopwatch.GetTimestamp();
        if (parallel == 1 || count < 2)
        {
            BurstRange(client, template, prefix, 0, count);
        }
        else
        {
            var tasks = new Task[parallel];
            for (var k = 0; k < parallel; k++)
            {
                var from = (int)((long)count * k / parallel);
                var to = (int)((long)count * (k + 1) / parallel);
                tasks[k] = Task.Run(() => BurstRange(client, template, prefix, from, to));
            }

            await Task.WhenAll(tasks);
        }

        return Stopwatch.GetElapsedTime(t0);
    }

    private static void BurstRange(RaindropClient client, AiEvent template, string prefix, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            client.TrackAi(template with { EventId = prefix + i.ToString(CultureInfo.InvariantCulture) });
        }
    }

    /// <summary><c>FlushAsync</c> returns by <c>FlushTimeout</c> (init's <c>flush_timeout_ms</c>, default 10 s) and says whether it delivered.</summary>
    private async ValueTask<TimeSpan> FlushAsync()
    {
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        _lastFlushDelivered = await client.FlushAsync();
        return Stopwatch.GetElapsedTime(t0);
    }

    private async ValueTask<TimeSpan> CloseStepAsync()
    {
        var client = Client;
        var t0 = Stopwatch.GetTimestamp();
        _closed = true;
        await client.DisposeAsync();
        return Stopwatch.GetElapsedTime(t0);
    }

    private static async ValueTask<TimeSpan> SleepAsync(JsonArgs a)
    {
        var delay = TimeSpan.FromMilliseconds(a.RequiredDouble("ms"));
        var t0 = Stopwatch.GetTimestamp();
        await Task.Delay(delay);
        return Stopwatch.GetElapsedTime(t0);
    }

    /// <summary>
    /// The tracing steps map onto the open interaction's public tracing API (or the client's, against the ambient
    /// interaction, when none is open): <c>with_tool</c> → <c>WithToolAsync</c> whose delegate returns
    /// <c>output</c> or throws an exception with message <c>error</c> (the rethrow is caught here);
    /// <c>with_span</c> → <c>WithSpanAsync</c> running its <c>tools</c> inside.
    /// </summary>
    private async ValueTask<TimeSpan> RunTracingStepAsync(JsonArgs a)
    {
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            if (a.Step == "with_tool")
            {
                await RunToolAsync(a);
            }
            else
            {
                var tools = a.OptionalArgsList("tools");
                var options = new SpanOptions { Input = a.OptionalJson("input") };
                var output = a.OptionalJson("output");
                var error = a.Optional("error");
                await SpanAsync(a.Required("name"), async () =>
                {
                    foreach (var tool in tools)
                    {
                        try
                        {
                            await RunToolAsync(tool);
                        }
                        catch (DriverToolException)
                        {
                            // the tool's own error is recorded on its span; the enclosing span goes on
                        }
                    }

                    return error is null ? (object?)output : throw new DriverToolException(error);
                }, options);
            }
        }
        catch (DriverToolException)
        {
            // the scripted error, rethrown by the SDK after it recorded the span
        }

        return Stopwatch.GetElapsedTime(t0);
    }

    private Task<object?> RunToolAsync(JsonArgs a)
    {
        // The version is a number, as in the TypeScript SDK; a script's "3" counts as 3.
        var version = int.TryParse(a.OptionalScalarText("version"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : (int?)null;
        var options = new SpanOptions { Input = a.OptionalJson("input"), Version = version };
        var output = a.OptionalJson("output");
        var error = a.Optional("error");
        Task<object?> Work() => error is null ? Task.FromResult<object?>(output) : Task.FromException<object?>(new DriverToolException(error));
        return _interaction is { } interaction
            ? interaction.WithToolAsync(a.Required("name"), Work, options)
            : Client.WithToolAsync(a.Required("name"), Work, options);
    }

    private Task<object?> SpanAsync(string name, Func<Task<object?>> work, SpanOptions options) =>
        _interaction is { } interaction ? interaction.WithSpanAsync(name, work, options) : Client.WithSpanAsync(name, work, options);

    /// <summary>The exception a scripted <c>error</c> throws inside a tool or span.</summary>
    private sealed class DriverToolException(string message) : Exception(message);
}
