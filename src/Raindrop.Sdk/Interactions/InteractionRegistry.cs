using Microsoft.Extensions.Logging;
using Raindrop.Delivery;
using Raindrop.Diagnostics;

namespace Raindrop.Interactions;

/// <summary>
/// The partial-event buffer: the client's open interactions, in begin order, bounded by
/// <c>MaxOpenInteractions</c> (past it the oldest is flushed as pending and forgotten here; what the app records on it
/// afterwards is sent as it comes, so nothing is lost). A background sweep
/// (<see cref="PartialSweep"/>) sends each interaction's pending changes once it has been quiet for
/// <c>PartialFlushInterval</c>. Also the
/// ambient (<see cref="AsyncLocal{T}"/>) interaction of each async flow.
/// </summary>
internal sealed partial class InteractionRegistry : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Interaction> _open = new(StringComparer.Ordinal);
    private readonly LinkedList<Interaction> _order = new();
    private readonly HashSet<Interaction> _evictedWithChanges = new(ReferenceEqualityComparer.Instance);
    private readonly AsyncLocal<Interaction?> _current = new();
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly RateLimiter _evictions;
    private readonly PartialSweep _sweep;
    private int _warnedAfterFinish;

    public InteractionRegistry(RaindropClient client, RaindropOptions options, TimeProvider time, ILogger logger)
    {
        Client = client;
        Time = time;
        _options = options;
        _logger = logger;
        _evictions = new RateLimiter(time);
        _sweep = new PartialSweep(Snapshot, Send, time, options.PartialFlushInterval, logger);
        if (client.IsEnabled)
        {
            _sweep.Start();
        }
    }

    public RaindropClient Client { get; }

    public TimeProvider Time { get; }

    public Interaction Begin(InteractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var input = Client.Input;
        var scope = Client.CurrentScope;
        var userId = input.Id(InputNormalizer.Require(string.IsNullOrEmpty(options.UserId) ? scope?.UserId ?? options.UserId : options.UserId, nameof(InteractionOptions.UserId), nameof(InteractionOptions)));
        var eventName = input.Id(InputNormalizer.Require(options.Event, nameof(InteractionOptions.Event), nameof(InteractionOptions)));
        var attachments = input.Attachments(options.Attachments, nameof(InteractionOptions));
        var eventId = input.Id(InputNormalizer.Optional(options.EventId)) ?? InputNormalizer.NewEventId();
        var interaction = new Interaction(this, eventId, userId, eventName, input.Id(InputNormalizer.Optional(options.ConvoId) ?? scope?.ConvoId), options.Timestamp ?? input.Now());
        interaction.SetBeginState(Client.Input.Text(options.Input), InputNormalizer.Optional(options.Model), Client.Input.Members(RaindropScope.Merge(scope?.Properties, options.Properties)), attachments);
        _current.Value = interaction;
        if (Client.IsEnabled && !Client.IsClosed)
        {
            Register(interaction);
            Client.Tracer.EnterInteraction(interaction);
        }

        return interaction;
    }

    public Interaction Resume(string eventId)
    {
        eventId = Client.Input.Id(InputNormalizer.Require(eventId, nameof(eventId), nameof(RaindropClient.ResumeInteraction)));
        lock (_gate)
        {
            if (_open.TryGetValue(eventId, out var live))
            {
                return live;
            }
        }

        // Known only by id: its updates and Finish carry the id and the new fields.
        var handle = new Interaction(this, eventId, userId: null, eventName: null, convoId: null, timestamp: null);
        if (Client.IsEnabled && !Client.IsClosed)
        {
            Register(handle);
        }

        return handle;
    }

    public Interaction? Current
    {
        get
        {
            var current = _current.Value;
            return current is null || current.IsFinished ? null : current;
        }
    }

    /// <summary>Queues an interaction's final update and forgets it.</summary>
    public void Finished(Interaction interaction, EventItem? item)
    {
        lock (_gate)
        {
            if (interaction.Node is { } node)
            {
                _order.Remove(node);
                interaction.Node = null;
                _open.Remove(interaction.EventId);
            }

            _evictedWithChanges.Remove(interaction);
        }

        // The flow's ambient interaction is left as it is: Current skips a finished one, and an AsyncLocal write costs an
        // ExecutionContext per request.
        if (item is not null && Client.IsEnabled)
        {
            if (Client.IsClosed)
            {
                Client.WarnAfterClose(nameof(Interaction.FinishAsync));
                return;
            }

            Client.EnqueuePartial(item);
        }
    }

    /// <summary>Queues every open interaction's pending changes now (<c>FlushAsync</c>).</summary>
    public void FlushPending()
    {
        foreach (var interaction in Snapshot())
        {
            Send(interaction.TakePendingDelta());
        }
    }

    /// <summary>Stops the sweep and queues every unfinished interaction's pending changes as <c>is_pending:true</c> (close).</summary>
    public async Task CloseAllAsync()
    {
        // Stop the sweep first and let a pass in progress finish queuing, so nothing it took is lost.
        await _sweep.StopAsync().ConfigureAwait(false);

        foreach (var interaction in Snapshot())
        {
            interaction.Spans.EndOpen(Client.Tracer); // a stream never disposed ends, with what arrived, inside the root
            Tracing.SpanTree.EndRoot(interaction);
        }

        FlushPending();
        lock (_gate)
        {
            foreach (var interaction in _order)
            {
                interaction.Node = null;
            }

            _order.Clear();
            _open.Clear();
            _evictedWithChanges.Clear();
        }
    }

    public void WarnAfterFinish(string eventId, string call)
    {
        if (Interlocked.Exchange(ref _warnedAfterFinish, 1) == 0)
        {
            LogUpdateAfterFinish(_logger, call, eventId);
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
    }

    private void Register(Interaction interaction)
    {
        Interaction? evicted = null;
        Interaction? replaced = null;
        lock (_gate)
        {
            if (_open.Remove(interaction.EventId, out var previous) && previous.Node is { } old)
            {
                // Begin again with a live id: the newer interaction takes over the id; what the older one
                // recorded is sent first, so nothing is lost.
                _order.Remove(old);
                previous.Node = null;
                replaced = previous;
            }

            _open[interaction.EventId] = interaction;
            interaction.Node = _order.AddLast(interaction);
            if (_open.Count > _options.MaxOpenInteractions && _order.First is { } oldest)
            {
                evicted = oldest.Value;
                _order.RemoveFirst();
                evicted.Node = null;
                evicted.Evicted = true; // what the app records on it later is still sent (WIRE.md §5)
                _open.Remove(evicted.EventId);
            }
        }

        if (replaced is not null)
        {
            Send(replaced.TakePendingDelta());
        }

        if (evicted is not null)
        {
            Send(evicted.TakePendingDelta());
            if (_evictions.TryAcquire(1, out var total))
            {
                LogEvicted(_logger, total, _options.MaxOpenInteractions);
            }
        }
    }

    /// <summary>
    /// An evicted interaction was changed: it is swept (and flushed, and closed) with the open ones until its changes
    /// are sent, then forgotten again, so the bound holds memory and loses nothing.
    /// </summary>
    public void ChangedAfterEviction(Interaction interaction)
    {
        lock (_gate)
        {
            _evictedWithChanges.Add(interaction);
        }
    }

    private List<Interaction> Snapshot()
    {
        lock (_gate)
        {
            _evictedWithChanges.RemoveWhere(static i => !i.HasPending);
            return [.. _order, .. _evictedWithChanges];
        }
    }

    private void Send(EventItem? item)
    {
        if (item is not null)
        {
            Client.EnqueuePartial(item);
        }
    }

    [LoggerMessage(300, LogLevel.Warning, "Raindrop interaction {EventId} is finished: {Call} was ignored (logged once per client).")]
    private static partial void LogUpdateAfterFinish(ILogger logger, string call, string eventId);

    [LoggerMessage(301, LogLevel.Warning, "Raindrop holds more than {Max} open interactions: flushed and forgot the oldest ({Count} since the last report).")]
    private static partial void LogEvicted(ILogger logger, long count, int max);
}
