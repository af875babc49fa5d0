import Foundation
import Testing
import SupermaskCore
@testable import SupermaskVision

/// The damaged and hostile images of Tests/Fixtures/hostile/images (tools/make_hostile_images.py, which records what
/// Pillow does with each): supermask refuses what Pillow refuses and decodes what Pillow decodes to the same
/// bytes, except where the manifest says why it refuses more (pixel and scan limits).
@Suite struct HostileImageTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var file: String
        var description: String
        var pillow: String
        var rgbSHA256: String?
        var size: [Int]?
        var supermask: String
        var says: String?
        var stage: String

        enum CodingKeys: String, CodingKey {
            case file, description, pillow, size, supermask, says, stage
            case rgbSHA256 = "rgb_sha256"
        }

        var testDescription: String { file }
        var path: String { HostileImageTests.directory.appendingPathComponent(file).path }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/hostile/images")

    static func cases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
    }

    /// What eval does with each file: decode with the default limits, then the ImageNet transform.
    @Test(arguments: try cases())
    func verdictMatchesTheManifest(_ entry: Case) throws {
        let transform = ImageTransform.imageNetValidation
        var output = [Float](repeating: 0, count: transform.elementCount)
        let outcome = Result {
            try output.withUnsafeMutableBufferPointer { try transform.preprocess(imageAt: entry.path, limits: .standard, into: $0) }
        }
        switch outcome {
        case .success(let warnings):
            #expect(entry.supermask == "ok", "\(entry.file) decoded; \(entry.description)")
            #expect(warnings.isEmpty)
        case .failure(let error):
            let refusal = try #require(error as? SupermaskError, "\(entry.file): \(error)")
            #expect(entry.supermask == "error", "\(entry.file) refused: \(refusal)")
            #expect(refusal.file == entry.path)
            #expect(!refusal.description.contains("\n"))
            if let says = entry.says { #expect(refusal.message.contains(says), "\(refusal.message)") }
        }
    }

    /// Every file Pillow decodes and supermask accepts decodes to Pillow's bytes, damaged or not.
    @Test(arguments: try cases().filter { $0.pillow == "ok" && $0.supermask != "error" })
    func decodedBytesEqualPillows(_ entry: Case) throws {
        let image = try ImageDecoder.decode(contentsOf: entry.path)
        #expect([image.width, image.height] == entry.size)
        var digest = SHA256()
        digest.update(image.pixels)
        #expect(digest.hexDigest() == entry.rgbSHA256)
    }

    /// Files refused at the decode stage are refused by the decoder alone, from the header when it is a limit.
    @Test(arguments: try cases().filter { $0.supermask == "error" && $0.stage == "decode" })
    func theDecoderAloneRefuses(_ entry: Case) throws {
        var decoded = false
        let error = try #require(throws: SupermaskError.self) {
            _ = try ImageDecoder.decode(contentsOf: entry.path) { _ in decoded = true }
        }
        if let says = entry.says { #expect(error.message.contains(says)) }
        if error.message.contains("decompression bomb") { #expect(!decoded, "the pixel limit is checked before decoding") }
    }

    /// An aspect-ratio bomb is refused before a pixel is decoded: the decoder hands the header to the check.
    @Test func aspectRatioBombsAreRefusedFromTheHeader() throws {
        let transform = ImageTransform.imageNetValidation
        let error = try #require(throws: SupermaskError.self) {
            _ = try ImageDecoder.decode(contentsOf: Self.directory.appendingPathComponent("png-1x60000.png").path) { header in
                try transform.checkImageSize(width: header.width, height: header.height, limits: .standard)
            }
        }
        #expect(error.message == "image of 1×60000 would have 3,932,160,000 pixels after resizing to 256×15360000, more than the limit of 178,956,970")
    }

    /// Pillow's rule at its edges: `max(1, w) · max(1, h)` above the limit warns, above twice it fails.
    @Test func thePixelRuleIsPillows() throws {
        let limits = ImageLimits(maxPixels: 100, maxJPEGScans: 100)
        #expect(limits.warning(width: 10, height: 10) == nil)
        #expect(limits.warning(width: 101, height: 1) != nil)
        #expect(throws: Never.self) { try limits.check(width: 200, height: 1) }
        #expect(throws: SupermaskError.self) { try limits.check(width: 201, height: 1) }
        #expect(throws: Never.self) { try limits.check(width: 0, height: 200) }
        #expect(ImageLimits.standard.errorPixels == 178_956_970)
        #expect(throws: SupermaskError.self) { try ImageLimits(maxPixels: 0, maxJPEGScans: 1).validated() }
        #expect(throws: SupermaskError.self) { try ImageLimits(maxPixels: 1 << 31, maxJPEGScans: 1).validated() }
        #expect(throws: SupermaskError.self) { try ImageLimits(maxPixels: 1, maxJPEGScans: 0).validated() }
    }

    /// A lowered scan limit refuses the fixture's 10-scan progressive JPEG; at 10 it decodes.
    @Test func theScanLimitCountsScans() throws {
        let path = VisionFixtures.path("progressive.JPEG")
        #expect(throws: Never.self) { try ImageDecoder.decode(contentsOf: path, limits: ImageLimits(maxPixels: 1 << 20, maxJPEGScans: 10)) }
        let error = try #require(throws: SupermaskError.self) {
            try ImageDecoder.decode(contentsOf: path, limits: ImageLimits(maxPixels: 1 << 20, maxJPEGScans: 9))
        }
        #expect(error.message.contains("more than 9 scans"))
    }

    /// A progressive JPEG keeps every coefficient: 6 bytes per pixel of the limit bound libjpeg's memory.
    @Test func libjpegsWorkingMemoryIsBounded() throws {
        // 90×120 progressive 4:2:0 keeps about 37 KB of coefficients. A limit of 6,000 pixels lets its 10,800 pixels
        // through the pixel rule (with a warning) but allows only 36,000 bytes of decoder memory.
        let path = VisionFixtures.path("progressive.JPEG")
        var limits = ImageLimits(maxPixels: 1 << 20, maxJPEGScans: 100)
        #expect(throws: Never.self) { try ImageDecoder.decode(contentsOf: path, limits: limits) }
        limits.maxPixels = 6_000
        let error = try #require(throws: SupermaskError.self) { try ImageDecoder.decode(contentsOf: path, limits: limits) }
        #expect(error.message.contains("bytes of decoder memory"), "\(error.message)")
    }

    /// Files that are not regular files are refused instead of read: a FIFO would block, a device never end.
    @Test func onlyRegularFilesAreRead() throws {
        for path in ["/dev/zero", "/dev/null", NSTemporaryDirectory()] {
            let error = try #require(throws: SupermaskError.self) { try ImageDecoder.decode(contentsOf: path) }
            let reason = path == NSTemporaryDirectory() ? "a directory, not a file" : "not a regular file"
            #expect(error == SupermaskError(file: path, reason))
        }
    }
}
