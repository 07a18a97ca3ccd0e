using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raindrop;

/// <summary>
/// Chat middleware that records every call through it to Raindrop (add it with
/// <c>chatClient.AsBuilder().UseRaindrop()</c>). Inside an interaction (the ambient one, or the one named in
/// <see cref="ChatOptions.AdditionalProperties"/>[<c>"raindrop.event_id"</c>]) each call is an LLM span of the
/// interaction, tools run by <c>FunctionInvokingChatClient</c> are tool spans, and the interaction's input, output,
/// model and token counts are filled in. Outside an interaction, a call with a known user is sent as one AI event.
/// The calls, their results, their exceptions and every streamed update pass through unchanged; a failure to record
/// is logged, never thrown.
/// </summary>
/// <remarks>
/// Each model call is one LLM span and each tool call one tool span in every order of <c>UseRaindrop()</c>,
/// <c>UseOpenTelemetry()</c> and <c>UseFunctionInvocation()</c>. The pipeline below is read once through
/// <c>GetService</c> (no reflection): with a <c>FunctionInvokingChatClient</c> below, a call is a whole tool loop, its
/// tools are seen through the client's public <c>FunctionInvoker</c> hook (the app's invoker, if any, runs inside),
/// and the loop is written as one span per model round trip when it ends; with M.E.AI's <c>OpenTelemetryChatClient</c>
/// recording each model call, its <c>chat</c> spans are the LLM spans and the middleware starts none.
/// </remarks>
public sealed class RaindropChatClient : DelegatingChatClient
{
    private readonly ILogger _logger;
    private int _warnedNoUser;
    private int _warnedFailure;
    private string? _defaultModelId;
    private int _metadataRead;
    private FunctionInvokerHook? _hook;

    /// <summary>Creates the middleware over <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client calls are passed to.</param>
    /// <param name="raindrop">The Raindrop client to record to.</param>
    /// <param name="options">How calls are recorded; defaults when null (the instance is read, not copied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> or <paramref name="raindrop"/> is null.</exception>
    public RaindropChatClient(IChatClient innerClient, IRaindropClient raindrop, RaindropChatClientOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(raindrop);
        Raindrop = raindrop;
        Core = RaindropInterop.Core(raindrop);
        Settings = options ?? new RaindropChatClientOptions();
        _logger = Core?.Logger ?? NullLogger.Instance;
        Telemetry = new PipelineTelemetry(innerClient);
        LlmSpans = new LlmSpans(this);
        Tools = new ToolSpans(this);
    }

    internal IRaindropClient Raindrop { get; }

    /// <summary>The SDK's own client behind <see cref="Raindrop"/>; null for another implementation (a test double), which gets no spans.</summary>
    internal RaindropClient? Core { get; }

    internal RaindropChatClientOptions Settings { get; }

    internal bool CaptureContent => Settings.CaptureContent;

    internal LlmSpans LlmSpans { get; }

    internal ToolSpans Tools { get; }

    internal PipelineTelemetry Telemetry { get; }

    internal PendingToolCalls Pending { get; } = new();

    internal SpansAbove Above { get; } = new();

    /// <summary>The tool hook on the function-invoking client below, if there is one (made on first use).</summary>
    private FunctionInvokerHook? Hook
    {
        get
        {
            if (_hook is null && Telemetry.Functions is { } functions)
            {
                Interlocked.CompareExchange(ref _hook, new FunctionInvokerHook(functions), null);
            }

            return _hook;
        }
    }

    /// <summary>The inner client's default model (from its <see cref="ChatClientMetadata"/>), read once.</summary>
    internal string? DefaultModelId
    {
        get
        {
            if (Volatile.Read(ref _metadataRead) == 0)
            {
                _defaultModelId = (InnerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata)?.DefaultModelId;
                Volatile.Write(ref _metadataRead, 1);
            }

            return _defaultModelId;
        }
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var call = ChatCall.Start(this, messages, options, streaming: false);
        ChatResponse response;
        try
        {
            var inner = Enter(call, options);
            response = await base.GetResponseAsync(messages, inner, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            call?.Finish(null, ex);
            throw;
        }

        call?.Finish(response, null);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var call = ChatCall.Start(this, messages, options, streaming: true);
        var span = call?.Activity;
        var hooked = Hook is not null;
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            var inner = Enter(call, options);
            updates = base.GetStreamingResponseAsync(messages, inner, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex)
        {
            call?.Finish(null, ex);
            throw;
        }

        var completed = false;
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    // An async iterator resumes in its caller's context: make the LLM span the parent of what the
                    // inner pipeline does (tool invocations) for this step again.
                    if (span is { IsStopped: false })
                    {
                        Activity.Current = span;
                    }

                    if (hooked)
                    {
                        ChatCall.Current = call;
                    }

                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        completed = true;
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    call?.Finish(null, ex);
                    throw;
                }

                call?.Add(update);
                yield return update;
            }
        }
        finally
        {
            // Completed, failed (already finished above) or abandoned by the caller: record what arrived.
            call?.Finish(null, null, abandoned: !completed);
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The flow of the inner pipeline: the call's span (or the interaction's parent span) current, the call known to
    // the tool hook, and the options it gets. An async method's changes to the flow never reach its caller.
    private ChatOptions? Enter(ChatCall? call, ChatOptions? options)
    {
        if (call is null)
        {
            return OwnKeys.Strip(options);
        }

        if (call.Activity is { IsStopped: false } parent)
        {
            Activity.Current = parent;
        }

        // Only the tool hook reads the call from the flow: without one below, setting it would only cost an allocation.
        if (Hook is { } hook)
        {
            ChatCall.Current = call;
            hook.Ensure();
        }

        return call.InnerOptions(options);
    }

    /// <summary>Redacts (when the client's <c>RedactPii</c> is on) and caps a text as the client does <c>ai_data</c> fields.</summary>
    internal string? Prepare(string? text) => Core is null ? text : Core.PrepareText(text);

    /// <summary>Logs, once per chat client, that a call had neither an interaction nor a user.</summary>
    internal void WarnNoUser()
    {
        if (Interlocked.Exchange(ref _warnedNoUser, 1) == 0)
        {
            ChatLog.NoInteractionNoUser(_logger);
        }
    }

    /// <summary>Logs a recording failure: the first at Warning, later ones at Debug.</summary>
    internal void ReportFailure(string stage, Exception exception)
    {
        if (Interlocked.Exchange(ref _warnedFailure, 1) == 0)
        {
            ChatLog.RecordingFailed(_logger, stage, exception);
        }
        else
        {
            ChatLog.RecordingFailedAgain(_logger, stage, exception);
        }
    }
}
