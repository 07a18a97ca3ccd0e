using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Raindrop;
using Raindrop.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="RaindropClient"/> in a service collection: one singleton per registration, resolved as
/// <see cref="RaindropClient"/> and <see cref="IRaindropClient"/>, configured from <see cref="IConfiguration"/> or
/// code, validated when the host starts, created by a hosted service at start and flushed and disposed (within
/// <see cref="RaindropOptions.CloseTimeout"/>) when the host stops.
/// </summary>
public static class RaindropServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="System.Net.Http.IHttpClientFactory"/> client the registered clients send through
    /// (<c>services.AddHttpClient(RaindropServiceCollectionExtensions.HttpClientName)</c> configures it): events,
    /// interactions, signals and identifies (and, where the client supports it, trace exports).
    /// </summary>
    public const string HttpClientName = "Raindrop";

    /// <summary>The configuration section <see cref="AddRaindrop(IServiceCollection)"/> binds: <c>"Raindrop"</c>.</summary>
    public const string ConfigurationSectionName = "Raindrop";

    /// <summary>The environment variable read for the write key when none is configured: <c>RAINDROP_WRITE_KEY</c>.</summary>
    public const string WriteKeyEnvironmentVariable = "RAINDROP_WRITE_KEY";

    /// <summary>
    /// Registers the Raindrop client configured from the <c>"Raindrop"</c> section of the container's
    /// <see cref="IConfiguration"/> (appsettings, <c>Raindrop__WriteKey</c> environment variables), falling back to
    /// the <c>RAINDROP_WRITE_KEY</c> environment variable when no write key is configured. A missing write key logs
    /// one warning and runs the client disabled; invalid settings fail host start with
    /// <see cref="OptionsValidationException"/> naming the setting.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddRaindrop(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return Register(services, serviceKey: null, options =>
        {
            options.Configure<IServiceProvider>(static (o, sp) =>
            {
                if (sp.GetService(typeof(IConfiguration)) is IConfiguration configuration)
                {
                    RaindropSettings.Bind(configuration.GetSection(ConfigurationSectionName), o);
                }
            });
            options.PostConfigure(static o =>
            {
                if (string.IsNullOrEmpty(o.WriteKey))
                {
                    o.WriteKey = Environment.GetEnvironmentVariable(WriteKeyEnvironmentVariable);
                }
            });
        });
    }

    /// <summary>Registers the Raindrop client configured from <paramref name="configuration"/> (a section such as <c>configuration.GetSection("Raindrop")</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="RaindropOptions"/> keys (<c>WriteKey</c>, <c>Endpoint</c>, ...).</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddRaindrop(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, serviceKey: null, options => options.Configure(o => RaindropSettings.Bind(configuration, o)));
    }

    /// <summary>Registers the Raindrop client configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; runs once, when the client is first needed.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddRaindrop(this IServiceCollection services, Action<RaindropOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, serviceKey: null, options => options.Configure(configure));
    }

    /// <summary>
    /// Registers a second, independent Raindrop client (another write key, project or tenant) under
    /// <paramref name="serviceKey"/>, configured from <paramref name="configuration"/>; resolve it with
    /// <c>[FromKeyedServices(key)] IRaindropClient</c> or <c>GetRequiredKeyedService&lt;IRaindropClient&gt;(key)</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key; its <see cref="object.ToString"/> also names the options instance (<c>Raindrop:{key}</c>).</param>
    /// <param name="configuration">The section holding this client's <see cref="RaindropOptions"/> keys.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddKeyedRaindrop(this IServiceCollection services, object serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, serviceKey, options => options.Configure(o => RaindropSettings.Bind(configuration, o)));
    }

    /// <summary>Registers a second, independent Raindrop client under <paramref name="serviceKey"/>, configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key; its <see cref="object.ToString"/> also names the options instance (<c>Raindrop:{key}</c>).</param>
    /// <param name="configure">Sets this client's options.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddKeyedRaindrop(this IServiceCollection services, object serviceKey, Action<RaindropOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, serviceKey, options => options.Configure(configure));
    }

    private static IServiceCollection Register(IServiceCollection services, object? serviceKey, Action<OptionsBuilder<RaindropOptions>> configure)
    {
        var name = RaindropClientFactory.OptionsName(serviceKey);
        var options = services.AddOptions<RaindropOptions>(name);
        configure(options);

        if (serviceKey is null)
        {
            ChatClientCaptureHook.Decorate(services);
        }

        var registered = services.Any(d => d.ServiceType == typeof(RaindropClient) && Equals(d.ServiceKey, serviceKey));
        if (registered)
        {
            // A second call for the same client only adds configuration.
            return services;
        }

        options.PostConfigure<IServiceProvider>((o, sp) => RaindropClientFactory.ApplyContainerDefaults(o, sp));
        services.AddSingleton<IValidateOptions<RaindropOptions>>(new RaindropOptionsValidator(name));
        options.ValidateOnStart();
        RaindropHttpClient.Register(services);

        if (serviceKey is null)
        {
            services.AddSingleton(sp => RaindropClientFactory.Create(sp, name));
            services.TryAddSingleton<IRaindropClient>(static sp => sp.GetRequiredService<RaindropClient>());
        }
        else
        {
            services.AddKeyedSingleton(serviceKey, (sp, _) => RaindropClientFactory.Create(sp, name));
            services.TryAddKeyedSingleton<IRaindropClient>(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<RaindropClient>(key));
        }

        services.AddSingleton<IHostedService>(sp => new RaindropHostedService(sp, serviceKey));
        return services;
    }
}
