using PgArk.Core.Physical;

namespace PgArk.Tests.Physical;

public class RelationFileNameTests
{
    [Theory]
    [InlineData("16384", 16384u, RelationFork.Main, 0u)]
    [InlineData("16384.2", 16384u, RelationFork.Main, 2u)]
    [InlineData("16384_fsm", 16384u, RelationFork.FreeSpaceMap, 0u)]
    [InlineData("16384_vm", 16384u, RelationFork.VisibilityMap, 0u)]
    [InlineData("16384_init", 16384u, RelationFork.Init, 0u)]
    [InlineData("1259", 1259u, RelationFork.Main, 0u)]
    public void TryParse_RelationFiles(string name, uint node, RelationFork fork, uint segment)
    {
        Assert.True(RelationFileName.TryParse(name, out var relation));
        Assert.Equal(new RelationFileName(node, fork, segment), relation);
    }

    [Theory]
    [InlineData("PG_VERSION")]
    [InlineData("pg_filenode.map")]
    [InlineData("pg_internal.init")]
    [InlineData("16384_xyz")]
    [InlineData("16384.")]
    [InlineData("t3_16384")]
    [InlineData("0")]
    public void TryParse_OtherFiles_False(string name) => Assert.False(RelationFileName.TryParse(name, out _));

    [Fact]
    public void BlockNumber_SecondSegment_OffsetsBySegmentPages()
    {
        Assert.True(RelationFileName.TryParse("16384.1", out var relation));
        Assert.Equal(131072u + 5, relation.BlockNumber(5));
    }
}
