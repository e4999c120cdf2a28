namespace PgArk.Tests.Codecs;

/// <summary>
/// A file in encryption format 1 (no repository path in the associated data), frozen so that readers of later formats
/// are tested against bytes the format-1 writer produced, not against a writer kept alive for the test. Key: bytes 0..31;
/// salt: bytes 0xA0..0xBF; chunk size 4096; content: byte i is (i * 7) mod 251, 4106 bytes (two chunks).
/// </summary>
internal static class EncryptedFormat1Fixture
{
    public static byte[] Key => [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    public static byte[] Content => [.. Enumerable.Range(0, 4096 + 10).Select(i => (byte)(i * 7 % 251))];

    public static byte[] File => Convert.FromBase64String(Base64);

    /// <summary>The 32-byte key file that <see cref="Envelope"/> wraps <see cref="Key"/> under: bytes 0x40..0x5F.</summary>
    public static byte[] KeyFileSecret => [.. Enumerable.Range(0x40, 32).Select(i => (byte)i)];

    /// <summary>A key envelope as written before format 2 (no minimum file format), wrapping <see cref="Key"/>.</summary>
    public const string Envelope = """
        {"format": 1, "cipher": "aes-256-gcm", "chunkSize": 65536, "keySource": "keyFile", "kdf": "none", "iterations": 0,
         "salt": "EBMWGRwfIiUoKy4xNDc6PUBDRklMT1JVWFteYWRnam0=",
         "wrappedKey": "cHFyc3R1dnd4eXp70+S5G5pd4g2jVrFWswkVLtgZc4IEENQt7pSMnjkfy77f+URmbmo3tkBTfUmoqmcE",
         "createdAt": "2026-01-05T10:00:00+00:00"}
        """;

    private const string Base64 =
        "UEdBUktFTkMBAQwAAAAAAKChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/i7wIZMAN3iQ6yMdwX2gJplRLRL9cpg5sN9nRctr6zE5xTuMJoNjN" +
        "e72yZUHZ5dcCnvVitZZgepdZmIhg9PltXGAjKVmYhIMzxAMPpX/oKcTuAbv3AmCDJwtxWSHnQbo66/wNQ0Afl0oBcSdpNB/25wLuQ3V0GBzlMvTn+P9t" +
        "gmI3B2OpFqGcUMP21TTyvTVoQHDqxCd1u1yC38MMyAFmxZyPAByuLGfzcOvi+G6GoKJYQbJe/RZzzjBIjPnWtPxu9vhvT3pMTuKJFuIm5cYaktwIrFQg" +
        "P8NlCIbN0M8k9F3I8HivWdTVEFQRMsQlZGATGdGjAzPOg+DiN9px7xiTGCVngRcX+lMTFiYMQQhpE73EZhBohc1s0oc1m+UAz3Ymze2vRNFRaoPerqEU" +
        "OOf0x7ykNmSzJ5QaX+jJ21pqPlCQP3o5pxkzxy8kvag0AaK/c0DH6BCYuA6PhmmfAtBeQYkId0F67mC/wgEP+z9FqBU8UtdUaMHwp81IwB+2ofvEeM32" +
        "tzTmQQFlpbWBP3cR+4rG1ZolBeDeSy3mKHwqmSbbaIAwO+FSJAN23FJ+emdrV1+zmFFw5v1XyFpIJDh/G3gZw2zoUJ7Gow7y6ljD7s7PKyGTS2Ao0F1q" +
        "fVrFb2WID6Pp4Bm867mPQfRmlVmemXhVLw2cdAtIPevurQmssZsWZZ+XbzoSOzrotl5ACAQ/QZP0H0SzVAgZB050boIIlqerbt65ybxL4ILmsLRwpfVm" +
        "rtq+mHardooXPdwwtrxBtgJWjey7n3DYQDbcn248CZUW74zh/C31/FM6D2XkIV93BHrzirnPNrsmFrLqyrjn+GxTxSqyi2JAybnVLfCj9et7CZpaTWnY" +
        "sgCg4KNE9ZhEfELkaST+OkVLzBGPYNs7uA4YzsGUib1ILzrmkD0D+QVpdhWq/a1Qbc8lmapswJkYoXVDui0vGNrRFhsxViJsVMkDJDGrvGmBhGwF5CwC" +
        "sJOqCXRvxcNWBb3R6mEDXW8Zc4SFdQuXGKengxmBJg4Im6eoI+Id3+4HWbTr3fs7+622l2wt9/jcRyRDgbZEm6a7YMexQPLr1F5Ajf5fNzdCjKKXgT/T" +
        "KXFJ4/QOG1vMACRGarNPvCyn/3ak8DL6/A7/xIPPQGN2KDjKqssmSBxb9nA46Au6Q3/b1lek9aSdmi72jI+cZHp56P/5S42QVjfFrrbx9+wbmhWuBEaJ" +
        "S4vJjgrDOEmOCjCn/zsMvZy/sxQQ8L80e1rQajaxYycw+s3fIxj1NNqDA10EthRZxjvJ7HUHMOB/NBuUqUp4TRDg6D2E/DlHb3VY3+0SzIBfv3tcX3Gf" +
        "g9koGVFH3RRORwmDxoTjwvwkFBFAokrveykGSBO11kU/zkxdTBdRA49756w+Wz+hLGdcecIyAENjrK0ezZiJ3vXLKDP2CUVIvKuUXM10FBaALQcJscw7" +
        "xJzm/bGPikXJt/nc2LGVwbz9+3XsZddYxiaMnpngZlSQMQWbQPCmtHyzowLNTf6EP8LAtYGPN4UjkBz/hefs+XaY6+0jsenswy3xiSRlr28KLF/u5cBv" +
        "+mPumYdgzhxIOABtEs4oOpApFHx0yw4HCMzXjaMDovtNQMNgCe6JNCS5cMEMZUjscarfxE/BqvJX5gtv7B86i/jANoLN5+QdR7HGMDHfRXosGSGl04OY" +
        "6p6PCiXiBwh7yEVD3yvi5ujk682yemHfPyhcUA6aU2HoIybaL5fxtUwlPVarjOM72dcF9hgC8iiRKNh4KLZvAhP3+NAUbrWwEQ4Y3IwwpAmL616ZE+aB" +
        "tYSfKnkbF74MdsJgtrWn2hIPinrCn5aANMCbO8tMzfBsZFF7NNbXgtenz9QWwB/NhbP6nh7Q4hbe3WRtApEmp3OZOCStxWKUnCVEAbDSSWln8svKOvsQ" +
        "jeqOGYJuZWtWFoqSuvxKOctyEbT+o+EdbtezX05lXk1ZPvcQLqlK0B8BOfSPqQ4EkUc4WxHk/0o8Kvq4rjZ42R2rHB9RqRvfkoYbrvqrJjHIW++ZeVwg" +
        "xYyCV5vDZ6PAFoE/lZwFmqSPPoRgLoK5ipJ45a0e/n6EiMulyyBLAnrS4shPga3OuumiUd2YbknECWXl+KysosfZhoKN9PH094eZrYeTwVpIl6f1gJK4" +
        "KoCIuPzljifn8EMiEFlfy6rQXIbE0i7s3wClq0KwrGKlSgS1/K24NspsoVErxu/Vd/4PtI2ryo++2g6Vo0P8NoJuQuR6uGgZu2Vyzn/+I669/3xb37FE" +
        "zvBrptuIBJgI6pJ9SoJtfMGQR0XHinUCd3/bNlBNA4cJdGhNCmqW6/YJlPqqFywhoH6W6yrbw9SYhO0/ME+1nrrstQI7tF57chqwj5t9KggZxI7DXdC2" +
        "vF5HhOEfvksjJ2j4YMpr3AtUs0t3oDrpAZd8/WEbGX9C+w3nW2a97sKHsLftad3OqXeC+txcbdRx22bO1oDIaw7J4hbsFt3JehH0Rh+iaPi91va3BDtj" +
        "hsurAz/k4CTCF7q9HNtXXzbD9tFETeU/2HrCCvS3muwsudLBGMIlGkFzLAO/cYtldJGNLWgDwZ5WufX/widquKzda0KNjDgbP3yMDF6Bwx1opuPAD3kI" +
        "bLRqojCQFX1UyonL7AD3sxI00LcURvsv5J2L1oL0H4gRx+BtYRdpiL0huc+dLJVPoCcVhe94MwRFOZQnsz5Y7x71G4bjQsEHvDt2rKdC2zFN4kZm+UP7" +
        "SiLrBwQP474uHWxN4Dj3zhUhi93cIa39/EmFp1UesEJNMO2EFnTWwG72wvi+1aopv9QfTHhm1hKqdKP6Gbz8PAQH6P84T0ETCbQ7Unqfh4lNJpcgtAMm" +
        "fvvGWyjZmYDynMvnUgUH2jXFW2m4Czn/BsTyEQGJkBsfNyED5tIRdJjrhOAoSTEIOFPBU1dtnw2VJU2GhBYWz0FlOcNnALr4JFa0U29tsiC8nwPlI8by" +
        "MNwMuYZlPG0RlLg0TorXj4ntGr4SGFxI45rTwb1Kz8y7TN2ywMJ+KX8zlWhGDtsUB83tnaJhHlC4DGE+gdH9cUaOfU223IadWejEtotaG9ZUWu6eo/dP" +
        "d1GeZHQN8FqhQILIRFJ+HQiUWaXc8TIvEZwGZmpxr7CczbE5iQ3jhnZSt0/+q8C2QDdEosJhtDcUsMXAtROOshM+tp3eM76Z+ZXbKtoRnwo0Ac9gPHDL" +
        "IupscEzJVjroOh9CxdrYI1c1wc1Z4iIAl+7YSGQEzcPQy/pwpCB+Le/LSoj/6IRQM3/EAo2tRC+knGcpfGblKbzwSLvvpJ5dsm2BbssgtlaW/4EWWNpN" +
        "0s9LBB98GRfG4/s+RrdGOimJY5XY1cFH6+MoYuQ4kT8a6Xw47IRwXN3Y01H++NyGeuf8kPF1IfqNIjOtpZZb5UIq7ZJwclLcOSGpv88/QY8CEpfkGaYN" +
        "FhkfaQUu+AqaoDQnpobzS+63GhMkiD5Xa7CuFkTg20sFX3o1nu9bW4bRCFPXIn/GOoB3b5TAWaRBBnjzDI+xJieCcOXORadzrpUoQfZ/aq7N16qaMz34" +
        "Kq87zhntUy5EKoSZnd1K5deoNYeJzy9r+ub42hQ3ShW/xG2N+S1tiQGRNIdlJTuMU/9eM5Gs6BkSozOMnWFRDfc7bl7tg2YJOUIBe91e2f2kmNBsd0Jg" +
        "XJLx9y+KebxxRmidUFZugOs6bsTX6/eE0LRiTUuSjZzogu+aNMSVVbrkbALUQWQshXdSDR4JySqNZRMafGHQHextMp4w+nXwuGmxTnJ+TOVxFWyNyPXo" +
        "kK1RDe3/Uj7/MsBJPiFT11iXyJmSiUVTemHiAxXb4FkwzmB9efccpYZkBbcvBGx5J8dk8hAicNzfEgQy77hvMP3L6gaAL8zHvp2S5z/1k0PoROm2XFBf" +
        "RRlMU8boZvD4HgRoi6K5Isttx9mgKdACNKi5SZlM4MQGKAjU3m/vMEwGutrXEBtJFWKjnoMJ8WGTgmc/LU9cuDqVcihiTF1z5y+QzXwaRLVWagMCYI1D" +
        "R/UdDJIbl9Gwq6aUGB/hKOLYhofH9CoJ9jQM/23QAb6lCH7eEHLtL490Qa7y+S3yszGD87JHWtEu9CJQVfihauuqsKX8/M2Rob0NAHkIehbGTcTf9kaY" +
        "tQtzXRAUYcgip9NavO2OieXDOlmOyi4dkLIF/usvCvDOVUwpQM+HnthEwf3yFECpDlc2Pv0qtKkKPd5ZwNAKk7wtmwC/E+L75ev0M7Bbs1+HIYfLK0eQ" +
        "E7lXTHUAkYz0XZQ/ORSpBSWQUpVDT7NUF+KOK/mzg7eqC9Mcp3St8wZx4jm9bCjzRFZn9BnPJeIxwTFq/dReCLsjaUAGHey+766VyAosYetA9gipV8Nl" +
        "zpgWp7krgIqtK79YhNQTOLWz8UZQly8z91ib+xAnZ80zDkMGBKw6783zN9VWuJVNeCH47qttVi4Tt4t+GECU7EdZiVrpfo33kozmSIgxP9mIqTjMkN+U" +
        "VO0a1qm1OxncpBHl56MZx8r4TraZgfi2tqRXHaVO1QE/RF2PC81cr6vLk3N1jrJIOcvc+iLLJgmudFJJRC0RC1YAAb0yMWQtalI+So7KEIDNWF4wuGQj" +
        "lctQ+NA2ni5kLcr7iyws3MofK0MriWeDeKA1ga8GsqpBaPoOpAdAP36qn8OmGI9Cm/t8aAErZUc33UpEnAnvJ7284bEkhOOCu/2QsHpGgREn5krAnz+B" +
        "oDXLsPQEkCCyU7Q5Q4zSK+b0Vd8fYCfVIMIF5/gSZaMARQL5HducFmAhqF7fjtO+yn3N4E1MfL1CDg0+6S7v5xi4FxcmYmLUSclzNut21eHV8N3jYi2E" +
        "Zs+qhJzZntVZ6bAx68AiQdb3nW5VqwhQzddWsbkRXQ2M9DqGYOXppXh4Cx7M2Yt6PdU5clIf+wz5ofd0/4Y3F+TeTMIHxizj2ihSYaL9JzlU89hhToFD" +
        "XD8yA/2TlUNaQ76w8NhMHbkv9ffrrtdAK5Gi9oSYR2aWLNXrk+l5j5Ei1TRVfR4Z7AqVZ8gaMiKUz0sF8aqGiv2BTpbJsiigSZta0oBg5fydHWoNd0Lv" +
        "SQyvDf6uBrBKcXFOifV5Bh9pgxTRF8x8f+gfAoq88RQiOWWcVCcG529L5RfYsxvSa8SV3n56Zs0br+FNmH2kTtWouLqv0R18st1/6ZEZzyJBjCp6/ydZ" +
        "Yz93NJF5ByYq4Y+OlXHva+fvZVnQuRwe0T4dZDa4scFGX/IXvqOVtUgLgst+2SxXHsFoF9BwworY2THPjwnyHFs7RWMbQqL0NB3a2IMIFlQo7eiOxNLQ" +
        "F3T50Jk6vYP3FOCW9PpYwOkYFDJlN/PscrgwyCrijwz97YroDNkcTavJ4AnQdPL4843crSLbCx2XTyfBBTVIQFcEv5OZotfHsmic+ZL3X9FBw4c51Elc" +
        "GccG07ci5NsgeRYWJCTsl/M5SqwnsW1DOw6Wj6T3vUN5I37FMlGSN5dJorDXupV8oe8rvJ7iU3C4z5INpdmRJ8rnxFpVHj7xMzeRzPGcrNNmwPuJB7kJ" +
        "i7WbNJwAWKwGIQ==";
}
