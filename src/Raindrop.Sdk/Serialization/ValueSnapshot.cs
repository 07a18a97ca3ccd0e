using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Raindrop.Serialization;

/// <summary>
/// The one place where an app value becomes wire data (WIRE.md §2: every value the app hands over is untrusted).
/// Runs on the caller's thread, at the call, and turns any value into an immutable JSON-shaped snapshot that the
/// size estimate and the writer can walk without running app code: strings, finite numbers, booleans, the BCL's
/// immutable value types, <see cref="JsonElement"/> (cloned), <c>KeyValuePair&lt;string, object?&gt;[]</c>
/// (objects) and <c>object?[]</c> (arrays). Lazy sequences are enumerated exactly once, here. A value whose
/// enumeration, getter, <c>ToString</c> or serialization throws (any exception type), a stream, or a cycle becomes
/// a short description such as <c>"[unserializable: DivideByZeroException]"</c>; non-finite numbers become null;
/// its siblings are kept.
/// </summary>
internal static class ValueSnapshot
{
    /// <summary>Values visited in one call before the rest is described as too large (a shared-subtree blow-up).</summary>
    private const int MaxNodes = 1_000_000;
    private const string DepthMarker = "[max depth exceeded]";

    /// <summary>What one snapshot ran into: how many values were described, and the first one's reason.</summary>
    public struct Report
    {
        public int Failures;
        public string? FirstReason;
        public int KeysCut;
        internal int Nodes;
        internal List<object>? Path;
    }

    /// <summary>Snapshots string-keyed members (properties, traits); the container itself may throw too.</summary>
    public static KeyValuePair<string, object?>[]? Members(IEnumerable<KeyValuePair<string, object?>>? members, ref Report report)
    {
        if (members is null)
        {
            return null;
        }

        var copy = CopyMembers(members, depth: 1, ref report);
        return copy.Length == 0 ? null : copy;
    }

    /// <summary>Snapshots one member's value, as <see cref="Members"/> does each (for <see cref="PropertyBag.Snapshot"/>).</summary>
    public static object? Member(object? value, ref Report report) => Snapshot(value, depth: 2, ref report);

    /// <summary>Snapshots one value (a property set on its own, a span's input or output).</summary>
    public static object? Value(object? value, ref Report report) => Snapshot(value, depth: 1, ref report);

    public static string Describe(string reason) => "[unserializable: " + reason + "]";

    /// <summary>A member's key, cut to <see cref="TextLimits.MaxKeyChars"/> (WIRE.md §2) and counted when it was.</summary>
    public static string Key(string? key, ref Report report)
    {
        if (key is null)
        {
            return string.Empty; // a dictionary changed mid-read
        }

        if (key.Length <= TextLimits.MaxKeyChars)
        {
            return key;
        }

        report.KeysCut++;
        return TextLimits.Truncate(key, TextLimits.MaxKeyChars);
    }

    // The common leaves inline into the callers; the rest is out of line (and compiled by tiers, not at start-up).
    private static object? Snapshot(object? value, int depth, ref Report report) =>
        value is null or string ? value : SnapshotAny(value, depth, ref report);

    private static object? SnapshotAny(object? value, int depth, ref Report report)
    {
        switch (value)
        {
            // Immutable leaves, kept as they are (the common case: no allocation).
            case null or string or bool or int or long or decimal or char or short or byte or sbyte or ushort or uint or ulong
                or DateTimeOffset or DateTime or Guid or TimeSpan or Enum:
                return value;
            case double d:
                return double.IsFinite(d) ? value : null; // JSON has no NaN or Infinity
            case float f:
                return float.IsFinite(f) ? value : null;
            case Uri uri:
                return uri.OriginalString;
            case byte[] bytes:
                return Convert.ToBase64String(bytes); // as System.Text.Json writes them
            case Stream:
                return Fail(ref report, value.GetType().Name);
        }

        if (++report.Nodes > MaxNodes)
        {
            return Fail(ref report, "too large");
        }

        if (depth > WireFormat.MaxValueDepth)
        {
            return DepthMarker;
        }

        try
        {
            switch (value)
            {
                case JsonElement element:
                    return Element(element, value);
                case JsonNode node:
                    return Node(node, depth, ref report);
                case IEnumerable<KeyValuePair<string, object?>> or IDictionary or IEnumerable:
                    return Container(value, depth, ref report);
                default:
                    return Plain(value, ref report);
            }
        }
        catch (Exception ex)
        {
            return Fail(ref report, Reason(ex));
        }
    }

    // Containers are snapshotted with their ancestors on a path, so a dictionary holding itself is a cycle, not a
    // 900-level (or exponential) walk.
    private static object Container(object value, int depth, ref Report report)
    {
        var path = report.Path ??= [];
        foreach (var ancestor in path)
        {
            if (ReferenceEquals(ancestor, value))
            {
                return Fail(ref report, "cycle");
            }
        }

        path.Add(value);
        try
        {
            return value switch
            {
                IEnumerable<KeyValuePair<string, object?>> members => CopyMembers(members, depth, ref report),
                IDictionary legacy => CopyLegacy(legacy, depth, ref report),
                _ => CopyList((IEnumerable)value, depth, ref report),
            };
        }
        finally
        {
            path.RemoveAt(path.Count - 1);
        }
    }

    private static KeyValuePair<string, object?>[] CopyMembers(IEnumerable<KeyValuePair<string, object?>> members, int depth, ref Report report)
    {
        // Sized from the count when there is one (one array, no list: this is the caller's hot path).
        var copy = Array.Empty<KeyValuePair<string, object?>>();
        var n = 0;
        try
        {
            if (members is IReadOnlyCollection<KeyValuePair<string, object?>> c)
            {
                copy = new KeyValuePair<string, object?>[Math.Max(0, c.Count)];
            }

            if (members is Dictionary<string, object?> d)
            {
                foreach (var (key, value) in d)
                {
                    Add(ref copy, ref n, new(Key(key, ref report), Snapshot(value, depth + 1, ref report)));
                }
            }
            else
            {
                foreach (var (key, value) in members)
                {
                    Add(ref copy, ref n, new(Key(key, ref report), Snapshot(value, depth + 1, ref report)));
                }
            }
        }
        catch (Exception ex)
        {
            // The container itself failed (a custom dictionary, a collection changed while copied): keep what was read.
            Add(ref copy, ref n, new("$raindrop_unserializable", Fail(ref report, Reason(ex))));
        }

        return n == copy.Length ? copy : copy[..n];
    }

    private static void Add(ref KeyValuePair<string, object?>[] array, ref int n, KeyValuePair<string, object?> member)
    {
        if (n == array.Length)
        {
            Array.Resize(ref array, Math.Max(4, n * 2));
        }

        array[n++] = member;
    }

    private static KeyValuePair<string, object?>[] CopyLegacy(IDictionary legacy, int depth, ref Report report)
    {
        var copy = new List<KeyValuePair<string, object?>>();
        foreach (DictionaryEntry entry in legacy)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            copy.Add(new(key, Snapshot(entry.Value, depth + 1, ref report)));
        }

        return [.. copy];
    }

    private static object?[] CopyList(IEnumerable list, int depth, ref Report report)
    {
        var copy = list is ICollection c ? new List<object?>(SafeCount(c)) : [];
        foreach (var item in list)
        {
            copy.Add(Snapshot(item, depth + 1, ref report));
        }

        return [.. copy];
    }

    // A JsonElement lives only as long as its JsonDocument, which the app may dispose right after the call: Clone()
    // copies a disposable document's element, and returns an element of a document that cannot be disposed (one
    // already cloned, or deserialized) as it is, at no cost; then the app's own box is kept (a JsonElement is
    // immutable), saving a second box per value. Numbers keep their exact text either way.
    private static object? Element(JsonElement element, object boxed)
    {
        if (element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        var clone = element.Clone();
        var before = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        var after = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(clone);
        return System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(before),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(after)) ? boxed : clone;
    }

    private static object? Node(JsonNode node, int depth, ref Report report)
    {
        switch (node)
        {
            case JsonObject obj:
                var members = new KeyValuePair<string, object?>[obj.Count];
                var i = 0;
                foreach (var (key, child) in obj)
                {
                    members[i++] = new(Key(key, ref report), child is null ? null : Snapshot(child, depth + 1, ref report));
                }

                return members;
            case JsonArray arr:
                var items = new object?[arr.Count];
                for (var j = 0; j < items.Length; j++)
                {
                    items[j] = arr[j] is { } child ? Snapshot(child, depth + 1, ref report) : null;
                }

                return items;
            case JsonValue v when v.TryGetValue<JsonElement>(out var element):
                return Snapshot(element, depth, ref report);
            case JsonValue v when v.TryGetValue<object>(out var inner) && inner is not JsonNode:
                return Snapshot(inner, depth, ref report);
            default:
                return Fail(ref report, node.GetType().Name);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Guarded by JsonSerializer.IsReflectionEnabledByDefault; trimmed/AOT apps get ToString().")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Guarded by JsonSerializer.IsReflectionEnabledByDefault; trimmed/AOT apps get ToString().")]
    private static object? Plain(object value, ref Report report)
    {
        // Records, classes and anonymous types are a convenience, not the contract: their JSON by reflection where
        // the app allows it (a throwing getter or a cycle throws here, on the caller's thread), their text otherwise.
        if (JsonSerializer.IsReflectionEnabledByDefault)
        {
            var element = JsonSerializer.SerializeToElement(value, value.GetType());
            return element.ValueKind == JsonValueKind.Undefined ? null : element;
        }

        return Convert.ToString(value, CultureInfo.InvariantCulture) ?? value.GetType().Name;
    }

    private static int SafeCount(ICollection c) => Math.Clamp(c.Count, 0, 1024);

    private static string Reason(Exception ex) =>
        (ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex).GetType().Name;

    private static string Fail(ref Report report, string reason)
    {
        report.Failures++;
        report.FirstReason ??= reason;
        return Describe(reason);
    }
}
