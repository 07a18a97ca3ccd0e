using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>
    /// Adds the Raindrop client registered in the app's container (<c>services.AddRaindrop(...)</c>): listens to the
    /// <c>Raindrop.Sdk</c> source and the client's AI-library sources, and adds its span processor. For apps that set
    /// <see cref="RaindropOptions.UseExternalOpenTelemetry"/> and run
    /// <c>services.AddOpenTelemetry().WithTracing(tracing =&gt; tracing.AddRaindrop())</c> with their own exporters
    /// beside it (WIRE.md §7). The client is resolved when the tracer provider is built.
    /// </summary>
    /// <param name="builder">The app's tracer provider builder (from <c>AddOpenTelemetry().WithTracing</c>).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="InvalidOperationException">When the provider is built: no Raindrop client is registered.</exception>
    /// <exception cref="NotSupportedException">The builder is not backed by a service container.</exception>
    public static TracerProviderBuilder AddRaindrop(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddFromServices(builder, static sp => sp.GetRequiredService<RaindropClient>());
    }

    /// <summary>
    /// Adds the Raindrop client registered under <paramref name="serviceKey"/>
    /// (<c>services.AddKeyedRaindrop(key, ...)</c>); see <see cref="AddRaindrop(TracerProviderBuilder)"/>.
    /// </summary>
    /// <param name="builder">The app's tracer provider builder.</param>
    /// <param name="serviceKey">The key the client was registered with.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">When the provider is built: no Raindrop client is registered under that key.</exception>
    /// <exception cref="NotSupportedException">The builder is not backed by a service container.</exception>
    public static TracerProviderBuilder AddRaindrop(this TracerProviderBuilder builder, object serviceKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        return AddFromServices(builder, sp => sp.GetRequiredKeyedService<RaindropClient>(serviceKey));
    }

    private static TracerProviderBuilder AddFromServices(TracerProviderBuilder builder, Func<IServiceProvider, RaindropClient> resolve)
    {
        builder.AddSource(RaindropActivitySource.Name);

        // Deferred: the client (and its list of AI-library sources) exists only once the container is built.
        if (builder is not IDeferredTracerProviderBuilder deferred)
        {
            throw new NotSupportedException("AddRaindrop() without a client needs a TracerProviderBuilder backed by a service container (services.AddOpenTelemetry().WithTracing(...)); pass the client instead: AddRaindrop(client).");
        }

        return deferred.Configure((sp, tracing) =>
        {
            var client = resolve(sp);
            foreach (var source in client.SpanExport.Sources)
            {
                tracing.AddSource(source);
            }

            tracing.AddProcessor(client.CreateSpanProcessor());
        });
    }
}
