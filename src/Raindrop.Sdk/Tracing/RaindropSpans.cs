using System.Diagnostics;

namespace Raindrop;

/// <summary>
/// The delegate span helpers (WIRE.md §7) over <see cref="IRaindropSpans.StartSpan"/>, so they work the same on the
/// client (spans of the ambient interaction, unassociated when there is none), on an interaction and on any test
/// double. Each runs the delegate inside a <c>&lt;name&gt;.task</c> or <c>&lt;name&gt;.tool</c> span, records its
/// result as the span's output, and on an exception ends the span with status ERROR and an <c>exception</c> event
/// and rethrows the same exception. <see cref="Activity.Current"/> is what it was before once the helper returns.
/// When the span is not recorded (no listener), the helper only calls the delegate.
/// </summary>
public static class RaindropSpans
{
    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>), recording its result as the span's output.</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public static Task<T> WithSpanAsync<T>(this IRaindropSpans spans, string name, Func<Task<T>> work, SpanOptions? options = null) =>
        RunAsync(spans, RaindropSpanKind.Task, name, work, options);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>).</summary>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    public static Task WithSpanAsync(this IRaindropSpans spans, string name, Func<Task> work, SpanOptions? options = null) =>
        RunAsync(spans, RaindropSpanKind.Task, name, work, options);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>), recording its result as the span's output.</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public static T WithSpan<T>(this IRaindropSpans spans, string name, Func<T> work, SpanOptions? options = null) =>
        Run(spans, RaindropSpanKind.Task, name, work, options, recordResult: true);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>).</summary>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    public static void WithSpan(this IRaindropSpans spans, string name, Action work, SpanOptions? options = null) =>
        Run(spans, RaindropSpanKind.Task, name, work, options);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>), recording its result as the span's output.</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public static Task<T> WithToolAsync<T>(this IRaindropSpans spans, string name, Func<Task<T>> work, SpanOptions? options = null) =>
        RunAsync(spans, RaindropSpanKind.Tool, name, work, options);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>).</summary>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    public static Task WithToolAsync(this IRaindropSpans spans, string name, Func<Task> work, SpanOptions? options = null) =>
        RunAsync(spans, RaindropSpanKind.Tool, name, work, options);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>), recording its result as the span's output.</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public static T WithTool<T>(this IRaindropSpans spans, string name, Func<T> work, SpanOptions? options = null) =>
        Run(spans, RaindropSpanKind.Tool, name, work, options, recordResult: true);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>).</summary>
    /// <param name="spans">The client or interaction whose span it is.</param>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    public static void WithTool(this IRaindropSpans spans, string name, Action work, SpanOptions? options = null) =>
        Run(spans, RaindropSpanKind.Tool, name, work, options);

    private static RaindropSpan Start(IRaindropSpans spans, RaindropSpanKind kind, string name, Delegate work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return spans.StartSpan(kind, name, options);
    }

    private static Task<T> RunAsync<T>(IRaindropSpans spans, RaindropSpanKind kind, string name, Func<Task<T>> work, SpanOptions? options)
    {
        var previous = Activity.Current;
        var span = Start(spans, kind, name, work, options);
        return span.IsRecorded ? Restore(previous, span, Core(span, work)) : work();

        static async Task<T> Core(RaindropSpan span, Func<Task<T>> work)
        {
            T result;
            try
            {
                result = await work().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                span.End(ex);
                throw;
            }

            span.RecordOutput(result);
            span.End();
            return result;
        }
    }

    private static Task RunAsync(IRaindropSpans spans, RaindropSpanKind kind, string name, Func<Task> work, SpanOptions? options)
    {
        var previous = Activity.Current;
        var span = Start(spans, kind, name, work, options);
        return span.IsRecorded ? Restore(previous, span, Core(span, work)) : work();

        static async Task Core(RaindropSpan span, Func<Task> work)
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                span.End(ex);
                throw;
            }

            span.End();
        }
    }

    // StartSpan made the span Activity.Current in the caller's flow; the async work carries it on (its flow was captured
    // when it started), and the caller gets back what it had, as from any async method.
    private static TTask Restore<TTask>(Activity? previous, RaindropSpan span, TTask task)
    {
        if (span.Activity is not null)
        {
            Activity.Current = previous;
        }

        return task;
    }

    private static T Run<T>(IRaindropSpans spans, RaindropSpanKind kind, string name, Func<T> work, SpanOptions? options, bool recordResult)
    {
        var previous = Activity.Current;
        var span = Start(spans, kind, name, work, options);
        if (!span.IsRecorded)
        {
            return work();
        }

        try
        {
            var result = work();
            if (recordResult)
            {
                span.RecordOutput(result);
            }

            return result;
        }
        catch (Exception ex)
        {
            span.End(ex);
            throw;
        }
        finally
        {
            span.End();
            if (span.Activity is not null)
            {
                // A sync helper has no async flow to restore it: put back what the caller had, whatever the delegate left.
                Activity.Current = previous;
            }
        }
    }

    private static void Run(IRaindropSpans spans, RaindropSpanKind kind, string name, Action work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        Run(spans, kind, name, () => { work(); return true; }, options, recordResult: false);
    }
}
