import Foundation
import SupermaskCore

/// The images and torchvision tensors in Tests/Fixtures/vision, made by tools/make_vision_fixtures.py.
enum VisionFixtures {
    struct Manifest: Decodable {
        struct Resize: Decodable {
            var width: Int
            var height: Int
            var expected: String
        }
        var resize: Int
        var crop: Int
        var images: [String]
        var resizes: [Resize]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/vision")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func manifest() throws -> Manifest {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    /// A `|u1` .npy array's shape and bytes (the core NPY reader is float-only).
    static func bytesNPY(_ name: String) throws -> (shape: [Int], bytes: [UInt8]) {
        let data = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        guard header.contains("'|u1'"), let open = header.firstIndex(of: "("), let close = header.firstIndex(of: ")") else {
            throw SupermaskError(file: name, "not a uint8 .npy")
        }
        let shape = header[header.index(after: open)..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        return (shape, Array(data[(10 + headerLength)...]))
    }

    /// A scratch folder removed by the caller.
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-vision-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
