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
            fetch (in <file>.fetch.json) and checked at every later one. Only bytes fetch downloaded itself get a \
            digest recorded: a file found in the download directory without a record is used only when the \
            registry pins its digest. A download stops at the registry's size, else at --max-bytes. Converting runs \
            tools/pth2h5.py with python3 (numpy and h5py), stopped after --convert-timeout seconds or when \
            supermask is interrupted; the converted checkpoint must load as the registry's architecture with its \
            kept-weight count.
            """)

    @Argument(help: "The model's name in the zoo, e.g. resnet50-usc (see supermask zoo).")
    var name: String

    @OptionGroup var zooOptions: ZooOptions

    @Flag(help: "Only download and check size and SHA-256: no conversion, so no structure check.")
    var noConvert = false

    @Option(help: ArgumentHelp(
        "The most bytes to download when the registry gives no size (2 GiB).", valueName: "bytes"))
    var maxBytes: Int = HTTPDownload.defaultMaxBytes

    @Option(help: ArgumentHelp(
        "Stop the converter after this many seconds.", valueName: "seconds"))
    var convertTimeout: Int = Int(CheckpointConversion.defaultTimeout)

    func validate() throws {
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        guard (1...604_800).contains(convertTimeout) else { throw ValidationError("--convert-timeout must be 1 to 604800 seconds") }
    }

    func run() throws {
        try reportingErrors {
            let (registry, _) = try zooOptions.loadRegistry()
            var fetcher = ZooFetcher(registry: registry, directory: zooOptions.downloadDirectory)
            fetcher.converts = !noConvert
            fetcher.maxBytes = maxBytes
            fetcher.conversionTimeout = TimeInterval(convertTimeout)
            let progress = ZooFetchProgress(name: name)
            let report: ZooFetcher.Report
            do {
                defer { progress.finish() }
                report = try fetcher.fetch(name) { progress.show($0) }
            } catch let interruption as FetchInterrupted {
                printError("supermask: error: \(SupermaskError(file: interruption.file, "interrupted while converting"))")
                throw ExitCode(128 + interruption.signal)
            }
            print(report.summary)
            for warning in report.warnings { printError("supermask: warning: \(warning.escapedForDisplay(limit: 500))") }
        }
    }
}
