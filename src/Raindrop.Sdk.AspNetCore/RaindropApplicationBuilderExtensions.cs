using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Raindrop;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds Raindrop's per-request capture to an ASP.NET Core pipeline.</summary>
public static class RaindropApplicationBuilderExtensions
{
    /// <summary>
    /// Opens a Raindrop scope (<see cref="IRaindropClient.BeginScope"/>) around every request: its user is the value
    /// of the <see cref="RaindropAspNetCoreOptions.UserIdClaimType"/> claim (<c>ClaimTypes.NameIdentifier</c> by
    /// default; none when anonymous) and its conversation the <see cref="RaindropAspNetCoreOptions.ConvoIdHeader"/>
    /// header or <see cref="RaindropAspNetCoreOptions.ConvoIdRouteValue"/> route value. Interactions begun in the
    /// handler take the scope's user and conversation when they name none, and model calls through the chat middleware
    /// outside any interaction become AI events of that user. With
    /// <see cref="RaindropAspNetCoreOptions.BeginInteractionPerRequest"/>, each request is one interaction. Place it after
    /// authentication (a <c>WebApplication</c> adds authentication before the app's middleware when it is registered).
    /// Uses the <see cref="IRaindropClient"/> registered with <c>AddRaindrop</c>.
    /// </summary>
    /// <param name="app">The application's pipeline.</param>
    /// <param name="configure">Adjusts the <see cref="RaindropAspNetCoreOptions"/> (run once, now).</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No <see cref="IRaindropClient"/> is registered (call <c>services.AddRaindrop()</c>).</exception>
    public static IApplicationBuilder UseRaindrop(this IApplicationBuilder app, Action<RaindropAspNetCoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = new RaindropAspNetCoreOptions();
        configure?.Invoke(options);
        var raindrop = app.ApplicationServices.GetService<IRaindropClient>()
            ?? throw new InvalidOperationException("app.UseRaindrop() found no IRaindropClient: call services.AddRaindrop() first.");
        var logger = app.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger("Raindrop.Sdk.AspNetCore") ?? NullLogger.Instance;
        return app.Use(next => new RaindropRequestMiddleware(next, raindrop, options, logger).InvokeAsync);
    }
}
