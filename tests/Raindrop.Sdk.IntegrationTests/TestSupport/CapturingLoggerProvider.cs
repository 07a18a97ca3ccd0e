using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>One log line an app wrote.</summary>
public sealed record LogLine(string Category, LogLevel Level, string Message)
{
    public override string ToString() => $"{Level} {Category}: {Message}";
}

/// <summary>The app's logging, kept in memory: every category, every level it is asked about (the app sets the minimum).</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception)));
    }
}
