using System.Text.Json;
using PgArk.Core.Logical;

namespace PgArk.Tests.Logical;

public sealed class JsonValuesTests
{
    private static string? Convert(string json, ColumnInfo column) => JsonValues.ToPgText(JsonDocument.Parse(json).RootElement, column);

    private static ColumnInfo Scalar(string type) => new("c", type, type, 'N', null, false);

    [Fact]
    public void ToPgText_Scalars_AreTheirPostgresInputText()
    {
        Assert.Null(Convert("null", Scalar("int4")));
        Assert.Equal("12345678901234567890.5", Convert("12345678901234567890.5", Scalar("numeric")));
        Assert.Equal("true", Convert("true", Scalar("bool")));
        Assert.Equal("it's \"x\"", Convert("\"it's \\\"x\\\"\"", Scalar("text")));
    }

    [Fact]
    public void ToPgText_JsonColumns_EmbedTheRawJson()
    {
        var jsonb = new ColumnInfo("c", "jsonb", "jsonb", 'U', null, false);
        Assert.Equal("{\"a\": [1, null]}", Convert("{\"a\": [1, null]}", jsonb));
        Assert.Equal("\"s\"", Convert("\"s\"", jsonb));
    }

    [Fact]
    public void ToPgText_Bytea_DecodesBase64ToHex()
    {
        Assert.Equal("\\x00ff10", Convert("\"AP8Q\"", new ColumnInfo("b", "bytea", "bytea", 'U', null, false)));
        var ex = Assert.Throws<FormatException>(() => Convert("\"not base64!\"", new ColumnInfo("b", "bytea", "bytea", 'U', null, false)));
        Assert.Equal("column 'b' (bytea) needs base64, and 'not base64!' is not", ex.Message);
    }

    [Fact]
    public void ToPgText_Arrays_BecomeQuotedArrayLiterals()
    {
        var texts = new ColumnInfo("t", "text[]", "_text", 'A', "text", false);
        Assert.Equal("{\"a\",\"b,c\",\"d\\\"e\",NULL,\"\",\"\\\\\"}", Convert("[\"a\", \"b,c\", \"d\\\"e\", null, \"\", \"\\\\\"]", texts));
        var ints = new ColumnInfo("n", "integer[]", "_int4", 'A', "int4", false);
        Assert.Equal("{{\"1\",\"2\"},{\"3\",\"4\"}}", Convert("[[1,2],[3,4]]", ints));
    }

    [Fact]
    public void ToPgText_ObjectForAScalarColumn_Throws()
    {
        var ex = Assert.Throws<FormatException>(() => Convert("{\"a\":1}", Scalar("int4")));
        Assert.Equal("column 'c' (int4) cannot take a JSON object", ex.Message);
    }
}
