using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Raindrop.ConformanceDriver;

/// <summary>
/// The .NET SDK's conformance driver, protocol 1 (shared/conformance/PROTOCOL.md).
/// <c>--describe</c> prints what the driver supports; otherwise one JSON array of steps is read from stdin and
/// run against one client. Exit codes: 0 done, 1 bad input / missing argument / SDK exception, 3 unsupported step.
/// </summary>
internal static class Program
{
    private const int ExitOk = 0;
    private const int ExitError = 1;
    private const int ExitUnsupported = 3;

    private static readonly string[] Capabilities =
    [
        "events.track", "events.track_ai", "events.track_partial", "identify", "signal", "interactions",
        "flush", "close", "burst", "redaction", "tracing",
    ];

    private static async Task<int> Main(string[] args)
    {
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        if (args is ["--describe"])
        {
            stdout.Write(Describe());
            stdout.Write('\n');
            stdout.Flush();
            return ExitOk;
        }

        if (args.Length > 0)
        {
            return Fail($"unknown arguments: {string.Join(' ', args)} (usage: driver [--describe] < steps.json)");
        }

        RaindropOptions options;
        List<(string Name, JsonElement Args)> steps;
        JsonDocument document;
        try
        {
            options = OptionsFromEnvironment();
            document = ReadSteps(out steps);
        }
        catch (StepArgumentException ex)
        {
            return Fail(ex.Message);
        }

        using (document)
        {
            await using var runner = new StepRunner(options, stdout);
            try
            {
                await runner.RunAsync(steps);
                await runner.DisposeAsync();
                if (Environment.GetEnvironmentVariable("RAINDROP_DRIVER_STATS") == "1")
                {
                    // For performance work (tests/perf): what the run cost the runtime, on stderr (stdout is the protocol's).
                    Console.Error.WriteLine($"runtime: gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:F0} alloc_mib={GC.GetTotalAllocatedBytes() / 1048576} jitted={System.Runtime.JitInfo.GetCompiledMethodCount()} jit_ms={System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} cpu_ms={Environment.CpuUsage.TotalTime.TotalMilliseconds:F0}");
                }
                return ExitOk;
            }
            catch (UnsupportedStepException ex)
            {
                stdout.Write($"unsupported:{ex.Step}\n");
                stdout.Flush();
                await CloseQuietlyAsync(runner);
                return ExitUnsupported;
            }
            catch (StepArgumentException ex)
            {
                await CloseQuietlyAsync(runner);
                return Fail(ex.Message);
            }
            catch (Exception ex)
            {
                await CloseQuietlyAsync(runner);
                return Fail($"SDK threw {ex.GetType().FullName}: {ex.Message}");
            }
        }
    }

    private static int Fail(string reason)
    {
        Console.Error.WriteLine("conformance driver: " + reason);
        return ExitError;
    }

    private static async Task CloseQuietlyAsync(StepRunner runner)
    {
        try
        {
            await runner.DisposeAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"conformance driver: closing the client threw {ex.GetType().FullName}: {ex.Message}");
        }
    }

    /// <summary>
    /// Configuration comes only from the environment. The sink URL is required so that the driver can never
    /// send to production.
    /// </summary>
    private static RaindropOptions OptionsFromEnvironment()
    {
        var sink = Environment.GetEnvironmentVariable("RAINDROP_SINK_URL");
        if (string.IsNullOrWhiteSpace(sink))
        {
            throw new StepArgumentException("RAINDROP_SINK_URL is not set; refusing to run (the driver never sends to production).");
        }

        var writeKey = Environment.GetEnvironmentVariable("RAINDROP_WRITE_KEY");
        if (string.IsNullOrEmpty(writeKey))
        {
            throw new StepArgumentException("RAINDROP_WRITE_KEY is not set or empty.");
        }

        var projectId = Environment.GetEnvironmentVariable("RAINDROP_PROJECT_ID");
        return new RaindropOptions
        {
            WriteKey = writeKey,
            Endpoint = sink.Trim().TrimEnd('/') + "/v1/",
            ProjectId = string.IsNullOrEmpty(projectId) ? null : projectId,
        };
    }

    /// <summary>
    /// Parses stdin: one JSON array of single-key objects <c>{"&lt;step&gt;": {args} | null}</c>. Deeply nested
    /// properties must parse, hence the large <see cref="JsonDocumentOptions.MaxDepth"/>. The whole shape is
    /// checked before any step runs.
    /// </summary>
    private static JsonDocument ReadSteps(out List<(string Name, JsonElement Args)> steps)
    {
        JsonDocument document;
        try
        {
            using var stdin = Console.OpenStandardInput();
            document = JsonDocument.Parse(stdin, new JsonDocumentOptions { MaxDepth = 4096 });
        }
        catch (JsonException ex)
        {
            throw new StepArgumentException($"stdin is not JSON: {ex.Message}");
        }

        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new StepArgumentException($"stdin must be a JSON array of steps, got {document.RootElement.ValueKind}.");
            }

            steps = new List<(string, JsonElement)>(document.RootElement.GetArrayLength());
            var index = 0;
            foreach (var step in document.RootElement.EnumerateArray())
            {
                if (step.ValueKind != JsonValueKind.Object)
                {
                    throw new StepArgumentException($"step {index} must be an object {{\"<step>\": {{args}}}}, got {step.ValueKind}.");
                }

                using var properties = step.EnumerateObject();
                if (!properties.MoveNext())
                {
                    throw new StepArgumentException($"step {index} is an empty object.");
                }

                var (name, args) = (properties.Current.Name, properties.Current.Value);
                if (properties.MoveNext())
                {
                    throw new StepArgumentException($"step {index} has more than one key.");
                }

                if (args.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                {
                    throw new StepArgumentException($"step {index} ({name}): args must be an object, got {args.ValueKind}.");
                }

                steps.Add((name, args));
                index++;
            }

            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static string Describe()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sdk_name", "raindrop-dotnet");
            json.WriteString("sdk_version", SdkVersion());
            json.WriteString("driver_version", "1.0.0");
            json.WriteNumber("protocol", 1);
            json.WriteStartArray("capabilities");
            foreach (var capability in Capabilities)
            {
                json.WriteStringValue(capability);
            }

            json.WriteEndArray();
            json.WriteStartArray("not_applicable");
            json.WriteEndArray();
            json.WriteStartObject("not_applicable_reasons");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The SDK assembly's informational version without its <c>+commit</c> suffix.</summary>
    private static string SdkVersion()
    {
        var info = typeof(RaindropClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info))
        {
            return "0.0.0";
        }

        var plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? info : info[..plus];
    }
}
