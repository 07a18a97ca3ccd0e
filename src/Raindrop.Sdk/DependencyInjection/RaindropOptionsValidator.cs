using Microsoft.Extensions.Options;

namespace Raindrop.DependencyInjection;

/// <summary>Validates one registration's options with <see cref="RaindropOptions.Validate"/> (messages name the setting).</summary>
internal sealed class RaindropOptionsValidator : IValidateOptions<RaindropOptions>
{
    private readonly string _name;

    public RaindropOptionsValidator(string name) => _name = name;

    public ValidateOptionsResult Validate(string? name, RaindropOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, _name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
