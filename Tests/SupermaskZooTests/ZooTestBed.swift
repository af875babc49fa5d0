import Foundation
import SupermaskCore
import SupermaskZoo

/// A temporary directory with a one-release registry whose URL points at a loopback server serving the demo's
/// legacy-format FC checkpoint (models/demo/fc-usc.legacy.pth: torch 1.3's format, as the releases, at k = 0.5).
struct ZooTestBed {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let checkpoint = repository.appendingPathComponent("models/demo/fc-usc.legacy.pth")
    static let converter = repository.appendingPathComponent("tools/pth2h5.py").path
    /// The FC net keeps 133,100 of its 266,200 weights at k = 0.5.
    static let keptWeights = 133_100

    static let checkpointBytes: [UInt8] = (try? [UInt8](Data(contentsOf: checkpoint))) ?? []
    static let checkpointDigest: String = {
        var digest = SHA256()
        digest.update(checkpointBytes)
        return digest.hexDigest()
    }()

    let root: URL
    let server: LoopbackHTTPServer
    let registryPath: String
    /// Where fetches go.
    var downloads: URL { root.appendingPathComponent("downloads") }
    /// The release's file in `downloads`.
    var releasePath: String { downloads.appendingPathComponent("fc-usc.pth").path }

    /// Starts a server with `behaviour` applied and writes a registry for it; `entry` edits the release entry.
    init(behaviour: (inout LoopbackHTTPServer.Behaviour) -> Void = { _ in }, entry: (inout [String: Any]) -> Void = { _ in }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-zoo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var settings = LoopbackHTTPServer.Behaviour(body: Self.checkpointBytes)
        behaviour(&settings)
        server = try LoopbackHTTPServer(settings)
        var release: [String: Any] = [
            "name": "fc-usc", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "signed-constant",
            "keep": 0.5, "kept_weights": Self.keptWeights, "reported_top1": NSNull(), "file": "fc-usc.pth",
            "url": server.url.absoluteString, "size": NSNull(), "sha256": NSNull(),
        ]
        entry(&release)
        let baseline: [String: Any] = [
            "name": "fc-dense", "kind": "baseline", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 1.0,
        ]
        let document: [String: Any] = ["format": "supermask-zoo", "version": 1, "models": [release, baseline]]
        registryPath = root.appendingPathComponent("zoo.json").path
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: registryPath))
    }

    /// A fetcher over this bed's registry and download directory, converting with the repository's pth2h5.py.
    func fetcher() throws -> ZooFetcher {
        var fetcher = ZooFetcher(registry: try ZooRegistry.load(path: registryPath), directory: downloads)
        fetcher.converterScript = Self.converter
        return fetcher
    }

    /// Fetches the release, discarding progress.
    @discardableResult
    func fetch() throws -> ZooFetcher.Report {
        try fetcher().fetch("fc-usc") { _ in }
    }

    /// The names in the download directory, sorted.
    func downloadedNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: downloads.path)) ?? []).sorted()
    }

    func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    /// Stops the server and removes the directory.
    func tearDown() {
        server.stop()
        try? FileManager.default.removeItem(at: root)
    }
}
