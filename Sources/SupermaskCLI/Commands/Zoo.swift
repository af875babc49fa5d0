import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskZoo

/// `supermask zoo`: the models of the registry and what of them is present and verified here.
struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the released supermasks, the dense baselines and the bundled models, with what is present locally and verified.",
        discussion: """
            A release is verified when its fetch record exists and the file still has the registry's size and \
            SHA-256 (every present file is hashed again), and recorded when the registry pins no digest and the \
            file still matches the one recorded when fetch downloaded it; either way its structure was checked when \
            it was fetched, unless that was with --no-convert. A bundled model is verified when its container loads (every CRC) as the registry's \
            architecture.
            """)

    @OptionGroup var zooOptions: ZooOptions

    @Flag(help: "Print the listing as one JSON document.")
    var json = false

    func run() throws {
        try reportingErrors {
            let (registry, path) = try zooOptions.loadRegistry()
            let directory = zooOptions.downloadDirectory
            let statuses = registry.models.map { ZooStatus.of($0, registry: registry, directory: directory) }
            let report = ZooReport(registry: path, directory: directory.path, statuses: statuses)
            if json {
                try printJSON(report)
            } else {
                print(report.text)
            }
        }
    }
}

/// The registry and download directory that `zoo` and `fetch` share.
struct ZooOptions: ParsableArguments {
    @Option(help: "The zoo registry (default: models/zoo.json in the current directory, else in supermask's checkout or installation).")
    var registry: String?

    @Option(help: "The download directory (default: $XDG_CACHE_HOME/supermask/zoo, else ~/.cache/supermask/zoo).")
    var dir: String?

    /// The registry, checked, and the path it was read from.
    func loadRegistry() throws -> (ZooRegistry, String) {
        guard let path = registry ?? ZooLocations.defaultRegistry() else {
            throw SupermaskError("no models/zoo.json in the current directory, supermask's checkout or its installation (PREFIX/share/supermask); pass --registry")
        }
        return (try ZooRegistry.load(path: path), path)
    }

    /// Where releases are downloaded.
    var downloadDirectory: URL {
        dir.map { URL(fileURLWithPath: $0) } ?? ZooLocations.defaultDownloadDirectory
    }
}
