using Microsoft.Extensions.Logging;

namespace Raindrop.Diagnostics;

/// <summary>
/// The app's logger, kept from throwing into the SDK's callers: a logging provider that throws (xunit's output helper
/// after its test ended, a full disk) costs the log line, never the call or the event being tracked.
/// </summary>
internal sealed class ContainedLogger : ILogger
{
    private readonly ILogger _inner;

    private ContainedLogger(ILogger inner) => _inner = inner;

    /// <summary>
    /// The SDK's logger: the app's <paramref name="factory"/>'s, or with none, standard error (warnings, and with
    /// <paramref name="debugLogs"/> a line per request too).
    /// </summary>
    public static ILogger Create(ILoggerFactory? factory, string category, bool debugLogs)
    {
        if (factory is null)
        {
            return new ContainedLogger(new StderrLogger(debugLogs ? LogLevel.Debug : LogLevel.Warning));
        }

        try
        {
            return new ContainedLogger(factory.CreateLogger(category));
        }
        catch (Exception)
        {
            return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return _inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return _inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // Nowhere left to report it.
        }
    }
}
