using Microsoft.Extensions.Logging;

namespace Raindrop.Diagnostics;

/// <summary>
/// Where the SDK's log lines go when the app gave it no <c>LoggerFactory</c>: one line each on standard error, from
/// warnings up (from debug up with <c>DebugLogs</c>), as the TypeScript SDK's console output does. Reads
/// <see cref="Console.Error"/> at each line, so an app (or a test) that redirects it is followed.
/// </summary>
internal sealed class StderrLogger : ILogger
{
    private readonly LogLevel _minimum;

    public StderrLogger(LogLevel minimum) => _minimum = minimum;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = "[raindrop] " + Label(logLevel) + ": " + formatter(state, exception);
        if (exception is not null)
        {
            line += " (" + exception.GetType().Name + ": " + exception.Message + ")";
        }

        Console.Error.WriteLine(line); // one call per line: concurrent lines never interleave
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Critical or LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        LogLevel.Information => "info",
        _ => "debug",
    };
}
