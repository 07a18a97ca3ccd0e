using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Raindrop;

/// <summary>
/// Opens <see cref="IRaindropClient.BeginScope"/> around each captured request (user from a claim, conversation from a
/// header or route value) and, when asked, begins the request's interaction; see <see cref="RaindropAspNetCoreOptions"/>.
/// </summary>
internal sealed partial class RaindropRequestMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IRaindropClient _raindrop;
    private readonly RaindropAspNetCoreOptions _options;
    private readonly ILogger _logger;

    public RaindropRequestMiddleware(RequestDelegate next, IRaindropClient raindrop, RaindropAspNetCoreOptions options, ILogger logger)
    {
        _next = next;
        _raindrop = raindrop;
        _options = options;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!Captures(context))
        {
            // Excluded: not even the LLM span of a call with no interaction is exported.
            using var excluded = (_raindrop as RaindropClient)?.SuppressScope();
            await _next(context).ConfigureAwait(false);
            return;
        }

        var userId = UserIdOf(context);
        using var scope = _raindrop.BeginScope(userId, ConvoIdOf(context));
        var interaction = _options.BeginInteractionPerRequest && userId is not null ? Begin() : null;
        if (interaction is null)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FinishAsync(interaction, ex).ConfigureAwait(false);
            throw;
        }

        await FinishAsync(interaction, null).ConfigureAwait(false);
    }

    private bool Captures(HttpContext context)
    {
        if (_options.Filter is not { } filter)
        {
            return true;
        }

        try
        {
            return filter(context);
        }
        catch (Exception ex)
        {
            FilterThrew(_logger, ex);
            return false;
        }
    }

    private string? UserIdOf(HttpContext context) =>
        _options.UserIdClaimType is { } claim && context.User.Identity?.IsAuthenticated == true
            ? NullIfEmpty(context.User.FindFirst(claim)?.Value)
            : null;

    private string? ConvoIdOf(HttpContext context)
    {
        if (_options.ConvoIdHeader is { } header && NullIfEmpty(context.Request.Headers[header].ToString()) is { } fromHeader)
        {
            return fromHeader;
        }

        return _options.ConvoIdRouteValue is { } name && context.Request.RouteValues.TryGetValue(name, out var value)
            ? NullIfEmpty(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    // The user and conversation come from the scope just opened (Begin's fallback).
    private IInteraction? Begin()
    {
        try
        {
            return _raindrop.Begin(new InteractionOptions { Event = _options.InteractionEventName });
        }
        catch (Exception ex)
        {
            RecordingFailed(_logger, ex);
            return null;
        }
    }

    private async Task FinishAsync(IInteraction interaction, Exception? error)
    {
        try
        {
            var properties = error is null
                ? null
                : new Dictionary<string, object?>(StringComparer.Ordinal) { ["error"] = error.GetType().Name + ": " + error.Message };
            await interaction.FinishAsync(properties: properties).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecordingFailed(_logger, ex);
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    [LoggerMessage(950, LogLevel.Warning, "The Raindrop request filter threw; the request was not captured.")]
    private static partial void FilterThrew(ILogger logger, Exception exception);

    [LoggerMessage(951, LogLevel.Warning, "Raindrop could not record a request's interaction; the request itself was not affected.")]
    private static partial void RecordingFailed(ILogger logger, Exception exception);
}
