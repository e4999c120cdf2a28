using PgArk.Core.Logical;

namespace PgArk.Tests.Logical;

public sealed class CsvTests
{
    private static string Write(params string?[][] records)
    {
        using var text = new StringWriter();
        var writer = new CsvWriter(text);
        foreach (var record in records)
        {
            writer.WriteRecord(record);
        }
        return text.ToString();
    }

    [Fact]
    public void Write_NullEmptyAndSpecialCharacters_FollowRfc4180AndPostgres()
    {
        Assert.Equal("1,,\"\",\"a,b\",\"say \"\"x\"\"\",\"l1\nl2\",\\.,plain\n\"\\.\"\n", Write(["1", null, "", "a,b", "say \"x\"", "l1\nl2", "\\.", "plain"], ["\\."]));
    }

    [Fact]
    public void Read_WhatWriteWrote_RoundTripsIncludingNullVersusEmpty()
    {
        string?[] record = ["1", null, "", "a,b", "say \"x\"", "l1\r\nl2", "ü ✓", " spaced "];
        var reader = new CsvReader(new StringReader(Write(record, ["2", "x", null, null, null, null, null, null])));
        Assert.Equal(record, reader.ReadRecord());
        Assert.Equal(["2", "x", null, null, null, null, null, null], reader.ReadRecord());
        Assert.Null(reader.ReadRecord());
        Assert.Equal(2, reader.RecordNumber);
    }

    [Fact]
    public void Read_LfAndCrLineEnds_AreBothAccepted()
    {
        var reader = new CsvReader(new StringReader("a,b\nc,d\r\n"));
        Assert.Equal(["a", "b"], reader.ReadRecord());
        Assert.Equal(["c", "d"], reader.ReadRecord());
        Assert.Null(reader.ReadRecord());
    }

    [Fact]
    public void Read_UnclosedQuote_ThrowsNamingTheRecord()
    {
        var reader = new CsvReader(new StringReader("a\n\"open,b\n"));
        reader.ReadRecord();
        var ex = Assert.Throws<FormatException>(() => reader.ReadRecord());
        Assert.Equal("record 2: a quoted field is not closed before the end of the file", ex.Message);
    }

    [Fact]
    public void Read_QuoteInsideUnquotedField_Throws()
    {
        var ex = Assert.Throws<FormatException>(() => new CsvReader(new StringReader("ab\"c\n")).ReadRecord());
        Assert.Equal("record 1: a quote inside an unquoted field (quote the field and double the quote)", ex.Message);
    }

    [Fact]
    public void CountRecordEnds_QuotedLineBreaksAcrossChunks_AreNotRecordEnds()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Write(["h1", "h2"], ["1", "a\nb"], ["2", "say \"x\"\n"], ["3", null]));
        for (var split = 0; split <= bytes.Length; split++)
        {
            var inQuotes = false;
            var count = CsvScanner.CountRecordEnds(bytes.AsSpan(0, split), ref inQuotes) + CsvScanner.CountRecordEnds(bytes.AsSpan(split), ref inQuotes);
            Assert.Equal(4, count);
            Assert.False(inQuotes);
        }
    }
}
