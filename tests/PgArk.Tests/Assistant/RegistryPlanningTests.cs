using System.Text.Json.Nodes;
using PgArk.Assistant.Parsing;
using PgArk.Assistant.Routing;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Assistant;

/// <summary>
/// An operation the parser has never heard of, declared in this file only, is planned from its declaration: its name,
/// its server argument, an enum value, a number and a boolean named in the request; a missing required argument is asked
/// for with its declared description.
/// </summary>
public class RegistryPlanningTests
{
    public enum RotationMode
    {
        Fast,
        Thorough,
    }

    public sealed record RotateKeysInput(
        [property: Input(InputText.Server)] string Server,
        [property: Input("fast or thorough.")] RotationMode Mode = RotationMode.Fast,
        [property: Input("Old keys to keep.")] int? Keep = null,
        [property: Input(InputText.DryRun)] bool DryRun = false) : IServerInput, IDryRunInput;

    public sealed record RotateKeysResult(string Server, RotationMode Mode);

    public sealed class RotateKeysOperation : Operation<RotateKeysInput, RotateKeysResult>
    {
        public override string Name => "rotate_keys";
        public override string Description => "Re-encrypt the repository's data keys under a fresh key-encryption key.";
        public override OperationRole Role => OperationRole.Admin;

        protected override Task<RotateKeysResult> ExecuteAsync(OperationContext context, RotateKeysInput input,
            IProgress<OperationProgress>? progress, CancellationToken cancellationToken) =>
            Task.FromResult(new RotateKeysResult(input.Server, input.Mode));
    }

    public sealed record TagBackupInput(
        [property: Input(InputText.Server)] string Server,
        [property: Input("The label to attach.")] string Label) : IServerInput;

    public sealed class TagBackupOperation : Operation<TagBackupInput, TagBackupInput>
    {
        public override string Name => "tag_backup";
        public override string Description => "Attach a label to the newest backup.";
        public override OperationRole Role => OperationRole.Operator;

        protected override Task<TagBackupInput> ExecuteAsync(OperationContext context, TagBackupInput input,
            IProgress<OperationProgress>? progress, CancellationToken cancellationToken) => Task.FromResult(input);
    }

    private static RequestParser Parser()
    {
        var registry = new OperationRegistry(OperationRegistry.Default.Operations
            .Append(OperationRegistry.Register(new RotateKeysOperation()))
            .Append(OperationRegistry.Register(new TagBackupOperation())));
        var catalog = new DatabaseCatalog([("pg1", ["sales_db", "postgres"]), ("pg2", ["hr_db"])]);
        return new RequestParser(catalog, new FixedClock(DateTimeOffset.Parse("2025-09-12T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            TimeZoneInfo.Utc, registry);
    }

    [Fact]
    public void Parse_NewOperationByName_FillsArgumentsFromItsSchema()
    {
        var plan = Parser().Parse("rotate keys on pg1, thorough, keep 2, dry run");

        var step = Assert.Single(plan.Steps);
        Assert.Equal("rotate_keys", step.Operation);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"server":"pg1","mode":"thorough","keep":2,"dry_run":true}"""), step.Arguments),
            step.Arguments.ToJsonString());
    }

    [Fact]
    public void Parse_NewOperationForADatabaseByStem_RunsOnItsServer()
    {
        var plan = Parser().Parse("rotate the keys of the sales database");

        var step = Assert.Single(plan.Steps);
        Assert.Equal(("pg1", "rotate_keys"), (step.Server, step.Operation));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"server":"pg1"}"""), step.Arguments), step.Arguments.ToJsonString());
    }

    [Fact]
    public void Parse_NewOperationMissingARequiredArgument_AsksForItWithItsDescription()
    {
        var plan = Parser().Parse("tag backup on pg2");

        Assert.Empty(plan.Steps);
        Assert.Equal("Which label? 'tag_backup' needs it (The label to attach); say e.g. '--label <value>'.", plan.Message);
        var labelled = Assert.Single(Parser().Parse("tag backup on pg2 --label before-upgrade").Steps);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"server":"pg2","label":"before-upgrade"}"""), labelled.Arguments),
            labelled.Arguments.ToJsonString());
    }

    [Fact]
    public void Parse_NewOperationByItsDescription_IsRecognised()
    {
        var plan = Parser().Parse("re-encrypt the data keys of pg2 under a fresh key");

        Assert.Equal("rotate_keys", Assert.Single(plan.Steps).Operation);
    }

    [Fact]
    public void HelpText_NamesEveryRegisteredOperation()
    {
        foreach (var operation in OperationRegistry.Default.Operations)
        {
            Assert.Contains(operation.Name.Replace('_', ' '), RequestParser.HelpText, StringComparison.Ordinal);
        }
    }
}
