import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskSeedSearch

/// `supermask recover-seed`: the torch seed of a hidden-networks model, found from its frozen weights alone.
struct RecoverSeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover-seed",
        abstract: "Find the torch seed that drew a model's random weights, from the weights alone.",
        discussion: """
            Tests all 2^32 seeds against bits of torch's random stream that the first layer reveals (its signs for \
            signed-constant weights, its Box–Muller angles for Kaiming-normal ones), then regenerates every weight \
            bit for bit and names the profile that matches. Split the search over a job array with --shard I/N and \
            combine the --json records with --merge. See docs/seed-recovery.md.
            """)

    @Argument(help: ArgumentHelp("The model (.h5, .smask or a zoo name); with --merge, the --json records of the shard runs.", valueName: "model"))
    var inputs: [String]

    @Option(help: "Architecture to use instead of the file's.")
    var arch: String?

    @Option(help: "Fraction of each layer's weights to keep, for .h5 files without a keep attribute.")
    var keep: Double?

    @Option(help: "Threads that test seeds (default: every core).")
    var threads: Int?

    @Option(help: "Search slice I of N (0-based) of the seeds, e.g. 3/16; combine the --json records with --merge.")
    var shard: String?

    @Option(help: "Search only the seeds FIRST-LAST (inclusive; decimal or 0x hexadecimal).")
    var range: String?

    @Option(help: "Kernels: auto (AVX2 when the CPU has it), avx2 or portable.")
    var kernels: String = "auto"

    @Flag(help: "Combine the --json records of --shard runs into the search's result.")
    var merge = false

    @Flag(help: "Print the result as one JSON document.")
    var json = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError(merge ? "give the shard records to merge" : "give a model (.h5 or .smask)") }
        guard merge || inputs.count == 1 else { throw ValidationError("give one model, or --merge and the shard records") }
        guard !merge || (shard == nil && range == nil && arch == nil && keep == nil) else {
            throw ValidationError("--merge reads shard records; --shard, --range, --arch and --keep apply to a search")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard ["auto", "avx2", "portable"].contains(kernels) else { throw ValidationError("--kernels is auto, avx2 or portable") }
    }

    func run() throws {
        try reportingErrors {
            let record = merge ? try mergedRecord() : try search()
            // A shard without the seed is the normal case of a job array; anything else without it failed, and
            // says so in one line on stderr (or in the JSON document's "message").
            let failed = record.torchSeed == nil && !(shard != nil && !merge)
            if json {
                try printJSON(record)
            } else if !failed {
                // Merged records came from files: nothing in them may drive the terminal.
                for line in record.text { print(line.withControlCharactersEscaped) }
            }
            if failed { throw SupermaskError(file: record.model, record.message ?? "no torch seed reproduces the weights") }
        }
    }

    private func search() throws -> SeedSearchRecord {
        let path = inputs[0]
        var arguments = [path]
        if let arch { arguments += ["--arch", arch] }
        if let keep { arguments += ["--keep", String(keep)] }
        let modelOptions = try ModelOptions.parse(arguments)
        let model = try modelOptions.load()
        var seeds = try range.map { try SeedRange(parsing: $0) } ?? .all
        if let shard { seeds = try seeds.shard(parsing: shard) }
        var progressLine = SeedSearchProgressLine()
        let report: TorchSeedSearch.Report
        do {
            // A container may store only the kept weights: the others read as 0 and say nothing about the seed.
            let keptOnly = ContainerReader.isContainer(path: try modelOptions.resolvedPath())
            report = try TorchSeedSearch.search(
                model: model, range: seeds, threads: threads ?? TorchSeedSearch.defaultThreads, kernels: try selectedKernels(), keptOnly: keptOnly
            ) { progressLine.show($0) }
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
        progressLine.finish()
        return SeedSearchRecord(report: report, model: path, shard: shard)
    }

    private func selectedKernels() throws -> SeedScanKernels {
        switch kernels {
        case "portable": return .portable
        case "avx2":
            guard let avx2 = SeedScanKernels.avx2 else { throw SupermaskError("--kernels avx2: this CPU has no AVX2") }
            return avx2
        default: return .preferred
        }
    }

    private func mergedRecord() throws -> SeedSearchRecord {
        let records = try inputs.map { path -> (path: String, record: SeedSearchRecord) in
            let bytes = try RegularFile.read(path, limit: SeedSearchRecord.byteLimit, what: "a recover-seed record")
            guard let record = try? JSONDecoder().decode(SeedSearchRecord.self, from: Data(bytes)), record.isWellFormed else {
                throw SupermaskError(file: path, "not a record written by supermask recover-seed --json")
            }
            return (path, record)
        }
        return try SeedSearchRecord.merging(records)
    }
}
