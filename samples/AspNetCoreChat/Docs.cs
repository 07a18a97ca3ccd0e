namespace AspNetCoreChat;

/// <summary>A stand-in for a document search (so the sample runs offline).</summary>
internal static class Docs
{
    private static readonly string[] All = ["reset-password.md", "security-settings.md", "billing-faq.md", "api-keys.md"];

    public static async Task<IReadOnlyList<string>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return All.Where(d => words.Any(w => d.Contains(w, StringComparison.OrdinalIgnoreCase))).Take(3).ToList();
    }
}
