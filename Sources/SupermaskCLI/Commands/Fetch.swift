import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskZoo

/// `supermask fetch`: download a released supermask, check it and convert it.
struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a released supermask (resuming a partial download), check its size, SHA-256 and structure, and convert it to .h5.",
        discussion: """
            The SHA-256 is checked against the registry's, or, when the registry has none, recorded at the first \
            fetch (in <file>.fetch.json) and checked at every later one. Converting runs tools/pth2h5.py with \
            python3 (numpy and h5py); the converted checkpoint must load as the registry's architecture with its \
            kept-weight count.
            """)

    @Argument(help: "The model's name in the zoo, e.g. resnet50-usc (see supermask zoo).")
    var name: String

    @OptionGroup var zooOptions: ZooOptions

    @Flag(help: "Only download and check size and SHA-256: no conversion, so no structure check.")
    var noConvert = false

    func run() throws {
        try reportingErrors {
            let (registry, _) = try zooOptions.loadRegistry()
            var fetcher = ZooFetcher(registry: registry, directory: zooOptions.downloadDirectory)
            fetcher.converts = !noConvert
            let progress = ZooFetchProgress(name: name)
            let report: ZooFetcher.Report
            do {
                defer { progress.finish() }
                report = try fetcher.fetch(name) { progress.show($0) }
            }
            print(report.summary)
            for warning in report.warnings { printError("supermask: warning: \(warning)") }
        }
    }
}
