using System.Runtime.CompilerServices;
using Raindrop.Delivery;

namespace Raindrop;

/// <summary>
/// Compiles the caller-side methods while the client is being built, so the app's first <c>TrackAi</c> or
/// <c>Begin</c> costs microseconds rather than the few milliseconds of JIT (a no-op under Native AOT).
/// </summary>
internal static class HotPathWarmup
{
    public static void Run(RaindropClient client)
    {
        try
        {
            Prepare((Func<AiEvent, string>)client.TrackAi);
            Prepare((Func<TrackEvent, string>)client.Track);
            Prepare((Action<Signal>)client.TrackSignal);
            Prepare((Action<string, IReadOnlyDictionary<string, object?>?>)client.Identify);
            Prepare((Func<InteractionOptions, Interaction>)client.Begin);
            Prepare((Func<IEnumerable<KeyValuePair<string, object?>>?, KeyValuePair<string, object?>[]?>)client.Input.Members);
            Prepare((Func<string>)EventIds.New);

            // The enqueue path and the item types, exercised without queuing anything.
            _ = new EventItem(EventIds.New(), "u", "e", client.Input.Now(), client.Input.Members(new Dictionary<string, object?> { ["k"] = "v" }), null, client.Input.Text("x"), null, null, null, null);
            _ = new SignalItem(new Signal { EventId = "e", Name = "n" }, null);
            _ = new IdentifyItem("u", null);
            RuntimeHelpers.PrepareMethod(typeof(RouteWorker).GetMethod(nameof(RouteWorker.TryEnqueue))!.MethodHandle);
            RuntimeHelpers.PrepareMethod(typeof(Interaction).GetMethod(nameof(Interaction.SetProperty))!.MethodHandle);
            RuntimeHelpers.PrepareMethod(typeof(Interaction).GetMethod(nameof(Interaction.FinishAsync))!.MethodHandle);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException or MemberAccessException)
        {
            // Only an optimization.
        }
    }

    private static void Prepare(Delegate method) => RuntimeHelpers.PrepareMethod(method.Method.MethodHandle);
}
