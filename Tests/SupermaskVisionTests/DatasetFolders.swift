import Foundation

/// Builds dataset folders from the fixture images for tests.
struct DatasetFolders {
    let root: String

    init() throws {
        root = try VisionFixtures.temporaryFolder()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Copies fixture `name` to `relative` under the root, creating folders.
    func copy(_ name: String, to relative: String) throws {
        try write(Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path(name))), to: relative)
    }

    /// Writes `data` to `relative` under the root, creating folders.
    func write(_ data: Data, to relative: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func folder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + relative, withIntermediateDirectories: true)
    }

    /// An ImageFolder `val/` of `classes` class folders n00000000…, with the fixture images dealt round-robin.
    func imageFolder(classes: Int, images: [String]) throws {
        for index in 0..<classes { try folder(String(format: "val/n%08d", index)) }
        for (index, name) in images.enumerated() {
            try copy(name, to: String(format: "val/n%08d/", index % classes) + "img\(index)-" + name)
        }
    }
}
