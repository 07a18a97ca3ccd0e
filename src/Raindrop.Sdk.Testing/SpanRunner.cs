namespace Raindrop.Testing;

/// <summary>Runs an app's delegate inside a recorded span the way the real client does: result as output, exceptions recorded then rethrown.</summary>
internal static class SpanRunner
{
    public const string Task = "task";
    public const string Tool = "tool";
    public const string Llm = "llm";

    public static async Task<T> RunAsync<T>(RecordedSpan span, Func<Task<T>> work, bool recordResult)
    {
        try
        {
            var result = await work().ConfigureAwait(false);
            if (recordResult)
            {
                span.RecordOutput(result);
            }

            span.Ended(null);
            return result;
        }
        catch (Exception ex)
        {
            span.Ended(ex);
            throw;
        }
    }

    public static T Run<T>(RecordedSpan span, Func<T> work, bool recordResult)
    {
        try
        {
            var result = work();
            if (recordResult)
            {
                span.RecordOutput(result);
            }

            span.Ended(null);
            return result;
        }
        catch (Exception ex)
        {
            span.Ended(ex);
            throw;
        }
    }

    public static async System.Threading.Tasks.Task RunAsync(RecordedSpan span, Func<Task> work) =>
        await RunAsync(span, async () => { await work().ConfigureAwait(false); return true; }, recordResult: false).ConfigureAwait(false);

    public static void Run(RecordedSpan span, Action work) => Run(span, () => { work(); return true; }, recordResult: false);
}
