import Foundation
import SupermaskTestSupport
import Testing

/// `supermask demo --bundle` on hostile bundles (docs/security.md, "Demo bundles and MNIST IDX files"): sizes are
/// refused from the IDX headers, checked against the manifest and the models before any image data is inflated,
/// and the manifest's strings are shown escaped. Each case is one line naming the file and exit status 1.
@Suite struct HostileBundleTests {
    static let bundle = CommandRunner.fixture("demo")
    static let images = "t10k-images-idx3-ubyte.gz"
    static let labels = "t10k-labels-idx1-ubyte.gz"

    /// A copy of the stand-in bundle whose manifest `change` edits (as JSON) before `files` are written into it.
    private func bundle(manifest change: (inout [String: Any]) throws -> Void, files: [String: [UInt8]] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-hostile-bundle-\(UUID())").path
        try FileManager.default.copyItem(atPath: Self.bundle, toPath: directory)
        let data = try #require(FileManager.default.contents(atPath: directory + "/manifest.json"))
        var manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        try change(&manifest)
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        return directory
    }

    /// Only the dense model (quick to load), its counts set to fit a test split of `count` images.
    private static func denseOnly(count: Int) -> @Sendable (inout [String: Any]) throws -> Void {
        { manifest in
            var dataset = try #require(manifest["dataset"] as? [String: Any])
            dataset["count"] = count
            manifest["dataset"] = dataset
            var dense = try #require((manifest["models"] as? [[String: Any]])?.last)
            dense["pytorch"] = ["correct": 0, "accuracy": 0.0]
            manifest["models"] = [dense]
        }
    }

    /// An IDX header `[0, 0, 8, rank, dimensions…]` in a gzip file whose Deflate stream holds it in a stored block
    /// and then ends without a final block or trailer: reading anything past the header is a "truncated" error,
    /// so a refusal that names the sizes proves they were checked from the header alone.
    static func gzippedHeaderOnly(_ dimensions: [UInt32]) -> [UInt8] {
        let header: [UInt8] = [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { value in
            (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
        }
        return gzipStoredBlocks(header, final: false)
    }

    /// A gzip member of stored Deflate blocks holding `payload`; without a final block and trailer unless `final`.
    static func gzipStoredBlocks(_ payload: [UInt8], final: Bool) -> [UInt8] {
        var bytes: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var start = 0
        repeat {
            let length = min(65_535, payload.count - start)
            let last = final && start + length == payload.count
            bytes += [last ? 1 : 0, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            bytes += payload[start..<(start + length)]
            start += length
        } while start < payload.count
        return bytes
    }

    /// Each hostile bundle and the start of the one line that must refuse it (after the bundle directory).
    static let cases: [(name: String, expectedError: String, manifest: @Sendable (inout [String: Any]) throws -> Void, files: [String: [UInt8]])] = [
        ("one 8192×8192 image", "\(images): images of 8192×8192 do not fit fc-dense.smask: input shape [128, 1, 8192, 8192] does not fit FC",
         denseOnly(count: 1), [images: gzippedHeaderOnly([1, 8192, 8192])]),
        ("two million images", "\(images): IDX dimensions [2000000, 28, 28]… hold more than the 268435456 elements supermask reads",
         denseOnly(count: 300), [images: gzippedHeaderOnly([2_000_000, 28, 28])]),
        ("more images than the manifest", "\(images): holds 1,000 images, the manifest says 300",
         denseOnly(count: 300), [images: gzippedHeaderOnly([1000, 28, 28])]),
        ("more labels than images", "\(labels): IDX dimensions [5000]… hold more than the 300 elements supermask reads",
         denseOnly(count: 300), [labels: gzippedHeaderOnly([5000])]),
        ("data beyond the header's size", "\(images): decompresses to more than 235216 bytes",
         denseOnly(count: 300), [images: gzipStoredBlocks([0, 0, 8, 3, 0, 0, 1, 44, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 0, count: 300 * 784 + 4096), final: true)]),
        ("a huge count", "manifest.json: dataset count 2000000 is outside 1…100000", denseOnly(count: 2_000_000), [:]),
        ("a huge manifest", "manifest.json: ", { manifest in manifest["padding"] = String(repeating: " ", count: 1 << 20) }, [:]),
        ("an escape in an architecture", "manifest.json: fc-usc\\n\\x1b[2J: architecture 'FC\\x1b]0;owned\\x07' is not one of", { manifest in
            var models = try #require(manifest["models"] as? [[String: Any]])
            models[0]["name"] = "fc-usc\n\u{1B}[2J"
            models[0]["architecture"] = "FC\u{1B}]0;owned\u{07}"
            manifest["models"] = models
        }, [:]),
    ]

    @Test(arguments: cases.indices)
    func aHostileBundleIsOneLineAndExitStatus1(index: Int) throws {
        let hostile = Self.cases[index]
        let directory = try bundle(manifest: hostile.manifest, files: hostile.files)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.run("demo", "--bundle", directory)
        #expect(result.status == 1, "\(hostile.name)")
        #expect(result.standardOutput.isEmpty, "\(hostile.name)")
        #expect(result.standardError.hasPrefix("supermask: error: \(directory)/\(hostile.expectedError)"), "\(hostile.name): \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "\(hostile.name)")
        #expect(!result.standardError.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(hostile.name)")
    }

    /// A model name with a newline and escapes runs, and is shown escaped in every table of the report.
    @Test func manifestNamesAreShownEscaped() throws {
        let directory = try bundle(manifest: { manifest in
            try Self.denseOnly(count: 300)(&manifest)
            var models = try #require(manifest["models"] as? [[String: Any]])
            models[0]["name"] = "dense\n\u{1B}[2J\u{202E}"
            manifest["models"] = models
            var dataset = try #require(manifest["dataset"] as? [String: Any])
            dataset["name"] = "MNIST\r\u{1B}[31m"
            manifest["dataset"] = dataset
        })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.run("demo", "--bundle", directory)
        // The counts were set to 0, so the run ends with the mismatch error; the report before it is what matters.
        #expect(result.status == 1)
        #expect(!result.standardOutput.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" || $0 == "\u{202E}" })
        #expect(result.standardOutput.hasPrefix("supermask demo: MNIST\\r\\x1b[31m test split, 300 images"))
        #expect(result.standardOutput.contains("dense\\n\\x1b[2J\\u{202e}  dense-trained baseline"))
    }
}
