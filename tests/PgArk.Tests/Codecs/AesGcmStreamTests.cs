using System.Security.Cryptography;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;

namespace PgArk.Tests.Codecs;

public sealed class AesGcmStreamTests
{
    private const int Chunk = 4096;
    private static readonly byte[] s_key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(3 * Chunk + 17)]
    public async Task RoundTrip_AtChunkBoundaries_ReturnsTheContent(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);
        var cipher = await EncryptAsync(plain, writeSize: 1000);

        var expectedChunks = Math.Max(1, (length + Chunk - 1) / Chunk);
        Assert.Equal(EncryptionFormat.HeaderSize + length + expectedChunks * EncryptionFormat.TagSize, cipher.Length);
        Assert.Equal(plain, await DecryptAsync(cipher));
        Assert.Equal(plain, DecryptSync(cipher, readSize: 7));
    }

    [Fact]
    public async Task Encrypt_SameContentTwice_GivesDifferentBytes()
    {
        var plain = new byte[10_000];
        Assert.NotEqual(await EncryptAsync(plain), await EncryptAsync(plain));
    }

    [Fact]
    public async Task Encrypt_DoesNotContainThePlainText()
    {
        var plain = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("unique-row-value-7781 ", 500)));
        var cipher = await EncryptAsync(plain);
        Assert.Equal(-1, cipher.AsSpan().IndexOf("unique-row-value-7781"u8));
    }

    [Fact]
    public async Task Decrypt_WithWrongKey_FailsAuthenticationNamingTheFile()
    {
        var cipher = await EncryptAsync(new byte[100]);
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal("repository file 'test/file' failed authentication at encrypted chunk 0: it was altered, was written under another path (moved, renamed or swapped with another file), or belongs to another repository", ex.Message);
    }

    [Theory]
    [InlineData(EncryptionFormat.HeaderSize)]            // first ciphertext byte
    [InlineData(EncryptionFormat.HeaderSize + Chunk + 3)] // inside chunk 0's tag
    [InlineData(EncryptionFormat.HeaderSize + Chunk + EncryptionFormat.TagSize + 5)] // chunk 1
    [InlineData(-1)]                                       // last byte: final tag
    public async Task Decrypt_FlippedByte_Fails(int position)
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk + 10));
        cipher[position < 0 ? cipher.Length + position : position] ^= 0x01;
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher));
    }

    [Theory]
    [InlineData(20)] // salt
    [InlineData(10)] // chunk size
    [InlineData(11)] // reserved
    [InlineData(9)]  // algorithm
    [InlineData(8)]  // format version
    public async Task Decrypt_TamperedHeader_Fails(int position)
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk + 10));
        cipher[position] ^= 0x01;
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher));
    }

    [Fact]
    public async Task Decrypt_TruncatedAtChunkBoundary_Fails()
    {
        var plain = RandomNumberGenerator.GetBytes(3 * Chunk);
        var cipher = await EncryptAsync(plain);
        var cut = cipher[..(EncryptionFormat.HeaderSize + 2 * (Chunk + EncryptionFormat.TagSize))];
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cut));
        Assert.Contains("chunk 1", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(EncryptionFormat.TagSize + 1)]
    [InlineData(EncryptionFormat.HeaderSize + 1)]
    public async Task Decrypt_TruncatedInside_Fails(int removed)
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk + 100));
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher[..^removed]));
    }

    [Fact]
    public async Task Decrypt_ReorderedChunks_Fails()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk));
        var record = Chunk + EncryptionFormat.TagSize;
        var swapped = cipher.ToArray();
        cipher.AsSpan(EncryptionFormat.HeaderSize, record).CopyTo(swapped.AsSpan(EncryptionFormat.HeaderSize + record));
        cipher.AsSpan(EncryptionFormat.HeaderSize + record, record).CopyTo(swapped.AsSpan(EncryptionFormat.HeaderSize));
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(swapped));
        Assert.Contains("chunk 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decrypt_ChunkSplicedFromAnotherFile_Fails()
    {
        var plain = RandomNumberGenerator.GetBytes(2 * Chunk);
        var first = await EncryptAsync(plain);
        var second = await EncryptAsync(plain);
        var spliced = first.ToArray();
        second.AsSpan(EncryptionFormat.HeaderSize + Chunk + EncryptionFormat.TagSize).CopyTo(spliced.AsSpan(EncryptionFormat.HeaderSize + Chunk + EncryptionFormat.TagSize));
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(spliced));
    }

    [Fact]
    public async Task Decrypt_PlainFile_SaysItIsNotEncrypted()
    {
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync("{\"format\": 1}"u8.ToArray()));
        Assert.Equal("repository file 'test/file' is not encrypted by pgark (no encryption header)", ex.Message);
    }

    [Fact]
    public async Task Decrypt_Format1File_StillReads()
    {
        using var decryptor = new AesGcmDecryptStream(new MemoryStream(EncryptedFormat1Fixture.File), EncryptedFormat1Fixture.Key, "base/1/16384");
        using var plain = new MemoryStream();
        await decryptor.CopyToAsync(plain);
        Assert.Equal(EncryptedFormat1Fixture.Content, plain.ToArray());
    }

    [Fact]
    public async Task Encrypt_WritesFormat2()
    {
        var cipher = await EncryptAsync(new byte[10]);
        Assert.Equal(EncryptionFormat.Version, cipher[8]);
        Assert.Equal(2, EncryptionFormat.Version);
    }

    [Fact]
    public async Task Decrypt_UnderAnotherPath_FailsSayingItWasMoved()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk + 10));
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher, path: "test/other"));
        Assert.Equal("repository file 'test/other' failed authentication at encrypted chunk 0: it was altered, was written under another path (moved, renamed or swapped with another file), or belongs to another repository", ex.Message);
        Assert.Equal(5, ex.ExitCode);
    }

    [Fact]
    public async Task Decrypt_Format2RelabelledAsFormat1_Fails()
    {
        // Turning a file into the path-less format must not make it readable under another path.
        var cipher = await EncryptAsync(new byte[100]);
        cipher[8] = EncryptionFormat.UnboundVersion;
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher));
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(cipher, path: "test/other"));
    }

    [Fact]
    public async Task Decrypt_Format1File_RefusedWhereFormat2IsTheMinimum()
    {
        using var decryptor = new AesGcmDecryptStream(new MemoryStream(EncryptedFormat1Fixture.File), EncryptedFormat1Fixture.Key,
            "base/1/16384", minimumVersion: EncryptionFormat.Version);
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => decryptor.CopyToAsync(Stream.Null));
        Assert.Equal("repository file 'base/1/16384' has encryption format 1, which does not bind its path, but its repository was created with format 2: the file was replaced", ex.Message);
    }

    [Fact]
    public async Task Encrypt_WithoutFinish_NeverAuthenticates()
    {
        using var output = new MemoryStream();
        var encryptor = new AesGcmEncryptStream(output, s_key, "test/file", Chunk);
        await encryptor.WriteAsync(new byte[2 * Chunk + 5]);
        await encryptor.DisposeAsync();
        await Assert.ThrowsAsync<IntegrityException>(() => DecryptAsync(output.ToArray()));
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, int writeSize = 65536)
    {
        using var output = new MemoryStream();
        var encryptor = new AesGcmEncryptStream(output, s_key, "test/file", Chunk);
        await using (encryptor)
        {
            for (var offset = 0; offset < plain.Length; offset += writeSize)
            {
                await encryptor.WriteAsync(plain.AsMemory(offset, Math.Min(writeSize, plain.Length - offset)));
            }
            await encryptor.FinishAsync(CancellationToken.None);
        }
        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] cipher, byte[]? key = null, string path = "test/file")
    {
        var decryptor = new AesGcmDecryptStream(new MemoryStream(cipher), key ?? s_key, path);
        await using (decryptor)
        {
            using var plain = new MemoryStream();
            await decryptor.CopyToAsync(plain);
            return plain.ToArray();
        }
    }

    private static byte[] DecryptSync(byte[] cipher, int readSize)
    {
        using var decryptor = new AesGcmDecryptStream(new MemoryStream(cipher), s_key, "test/file");
        using var plain = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = decryptor.Read(buffer)) > 0)
        {
            plain.Write(buffer, 0, read);
        }
        return plain.ToArray();
    }
}
