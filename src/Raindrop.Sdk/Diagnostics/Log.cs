using Microsoft.Extensions.Logging;

namespace Raindrop.Diagnostics;

/// <summary>The SDK's log lines. Event ids: 1xx client, 2xx delivery, 3xx interactions, 4xx tracing. Never the write key.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Raindrop WriteKey is not set: the client is disabled and will send nothing.")]
    public static partial void MissingWriteKey(ILogger logger);

    [LoggerMessage(102, LogLevel.Warning, "The Raindrop Redactor threw; the text was replaced by <REDACTION FAILED> rather than sent unredacted (logged once).")]
    public static partial void RedactorThrew(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "Raindrop could not serialize {Count} app value(s) since the last report (at most one line per 30 s); each was sent as a short description and the rest of its event kept. First reason: {Reason}")]
    public static partial void ValueUnserializable(ILogger logger, long count, string? reason);

    [LoggerMessage(104, LogLevel.Warning, "{Count} Raindrop clients are alive in this process: create one client per write key and reuse it (each holds its own queue, workers and connections); dispose the ones you are done with.")]
    public static partial void ManyClients(ILogger logger, int count);

    [LoggerMessage(105, LogLevel.Error, "A Raindrop background task failed unexpectedly; it was restarted and the app was not affected.")]
    public static partial void BackgroundError(ILogger logger, Exception exception);

    [LoggerMessage(106, LogLevel.Warning, "Raindrop cut {Count} identifier(s) or property key(s) over {Max} characters since the last report (at most one line per 30 s), one of them at least {Length} characters long; each ends in ...[truncated by raindrop].")]
    public static partial void IdentifierCut(ILogger logger, long count, int length, int max);

    [LoggerMessage(101, LogLevel.Warning, "Raindrop client is closed: {Call} was ignored (further calls after close are not logged).")]
    public static partial void CalledAfterClose(ILogger logger, string call);

    [LoggerMessage(200, LogLevel.Warning, "Raindrop queue is full: dropped {Count} oldest item(s) on {Route} since the last report.")]
    public static partial void QueueFull(ILogger logger, long count, string route);

    [LoggerMessage(201, LogLevel.Warning, "Raindrop rejected {Count} item(s) on {Route} since the last report (at most one line per 30 s); last: HTTP {Status}: {Excerpt}")]
    public static partial void Rejected(ILogger logger, int count, string route, int? status, string? excerpt);

    [LoggerMessage(202, LogLevel.Warning, "Raindrop gave up on {Count} item(s) on {Route} since the last report after retrying for the retry budget; last: {Reason}")]
    public static partial void GaveUp(ILogger logger, int count, string route, string? reason);

    [LoggerMessage(203, LogLevel.Warning, "Raindrop close deadline passed: {Count} item(s) on {Route} were not sent.")]
    public static partial void CloseDropped(ILogger logger, int count, string route);

    [LoggerMessage(205, LogLevel.Information, "Raindrop sent {Count} item(s) ({Bytes} bytes) to {Route}: {Status}.")]
    public static partial void Sent(ILogger logger, int count, int bytes, string route, string status);

    [LoggerMessage(206, LogLevel.Warning, "Raindrop shrank {Count} oversized item(s) on {Route} to fit the 1 MiB request limit.")]
    public static partial void Shrunk(ILogger logger, int count, string route);

    [LoggerMessage(209, LogLevel.Warning, "Raindrop could not serialize {Count} item(s) on {Route}; they were dropped.")]
    public static partial void Unwritable(ILogger logger, int count, string route);

    [LoggerMessage(207, LogLevel.Error, "Raindrop delivery worker for {Route} failed unexpectedly; {Count} item(s) lost.")]
    public static partial void WorkerError(ILogger logger, Exception exception, string route, int count);

    [LoggerMessage(208, LogLevel.Warning, "A Raindrop DeliveryFailed handler threw; the exception was ignored.")]
    public static partial void HandlerThrew(ILogger logger, Exception exception);

    [LoggerMessage(260, LogLevel.Warning, "Raindrop CaptureChatClients is on but the Raindrop.Sdk.Extensions.AI package is not loaded, so no chat client is captured: add a reference to it.")]
    public static partial void CaptureChatClientsNeedsPackage(ILogger logger);
}
