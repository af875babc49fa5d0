import SupermaskCore
import SupermaskDatasets
import Testing

/// Small IDX files as `gzip -n -9` writes them, made with Python's gzip module (mtime 0).
enum GzippedIDX {
    /// Two 2×3 images: magic 0x00000803, dimensions [2, 2, 3], pixels 0 1 2 253 254 255 / 10 20 30 40 50 60.
    static let images: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x60, 0x66, 0x60, 0x60, 0x60,
        0x82, 0x62, 0x66, 0x06, 0x46, 0xa6, 0xbf, 0xff, 0xfe, 0x73, 0x89, 0xc8, 0x69, 0x18, 0xd9, 0x00, 0x00, 0x2c,
        0x7b, 0xef, 0xc7, 0x1c, 0x00, 0x00, 0x00,
    ]
    /// Their labels: magic 0x00000801, dimensions [2], labels 7 and 3.
    static let labels: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x60, 0x64, 0x60, 0x60, 0x60,
        0x62, 0x67, 0x06, 0x00, 0x64, 0x6b, 0xd4, 0x43, 0x0a, 0x00, 0x00, 0x00,
    ]
    /// The uncompressed labels file.
    static let rawLabels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 7, 3]
}

@Suite struct GzipTests {
    @Test func decompressesAMember() throws {
        #expect(try Gzip.decompress(GzippedIDX.labels) == GzippedIDX.rawLabels)
    }

    @Test func concatenatedMembersDecompressToTheirConcatenation() throws {
        #expect(try Gzip.decompress(GzippedIDX.labels + GzippedIDX.labels) == GzippedIDX.rawLabels + GzippedIDX.rawLabels)
    }

    @Test func truncatedDataIsAnError() {
        for length in [3, 12, GzippedIDX.images.count - 4, GzippedIDX.images.count - 1] {
            #expect(throws: SupermaskError.self) { try Gzip.decompress(Array(GzippedIDX.images.prefix(length))) }
        }
        #expect { try Gzip.decompress(Array(GzippedIDX.images.dropLast(8))) } throws: { error in
            (error as? SupermaskError)?.message.hasPrefix("truncated gzip data") == true
        }
    }

    @Test func corruptDataIsAnError() {
        // A flipped bit in the Deflate body, and one in the CRC-32 of the trailer.
        for position in [14, GzippedIDX.images.count - 6] {
            var bytes = GzippedIDX.images
            bytes[position] ^= 0x10
            #expect { try Gzip.decompress(bytes) } throws: { error in
                (error as? SupermaskError)?.message.hasPrefix("corrupt gzip data") == true
            }
        }
    }

    @Test func otherBytesAreNotGzip() {
        #expect { try Gzip.decompress(GzippedIDX.rawLabels) } throws: { error in
            (error as? SupermaskError)?.message == "not a gzip file (it does not start with 1f 8b)"
        }
        #expect { try Gzip.decompress(GzippedIDX.labels + [0, 1, 2]) } throws: { error in
            (error as? SupermaskError)?.message == "3 bytes of trailing data after the gzip stream"
        }
    }

    @Test func outputBeyondTheLimitIsRefused() {
        #expect { try Gzip.decompress(GzippedIDX.images, limit: 27) } throws: { error in
            (error as? SupermaskError)?.message == "decompresses to more than 27 bytes"
        }
        #expect(throws: Never.self) { try Gzip.decompress(GzippedIDX.images, limit: 28) }
    }
}
