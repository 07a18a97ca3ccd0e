using Raindrop;
using Raindrop.Tracing;

namespace OpenTelemetry.Trace;

/// <summary>Adds Raindrop to an app's own OpenTelemetry tracing pipeline.</summary>
public static class RaindropTracerProviderBuilderExtensions
{
    /// <summary>
    /// Listens to the <c>Raindrop.Sdk</c> source and the AI libraries' sources, and adds the client's span
    /// processor, which exports the spans of Raindrop interactions to Raindrop (the app's other exporters keep
    /// working side by side). Use with <see cref="RaindropOptions.UseExternalOpenTelemetry"/> = true.
    /// </summary>
    /// <param name="builder">The app's tracer provider builder.</param>
    /// <param name="client">The Raindrop client whose spans to export.</param>
    /// <returns>The builder, for chaining.</returns>
    public static TracerProviderBuilder AddRaindrop(this TracerProviderBuilder builder, RaindropClient client)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(client);
        builder.AddSource(RaindropActivitySource.Name);
        foreach (var source in client.SpanExport.Sources)
        {
            builder.AddSource(source);
        }

        return builder.AddProcessor(client.CreateSpanProcessor());
    }
}
