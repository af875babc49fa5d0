import ArgumentParser
import SupermaskCore
import SupermaskVision

/// `supermask merge`: the shard records of one evaluation combined into the record of one run.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the --json records of `supermask eval --shard I/N` runs into one record.",
        discussion: "Counts add exactly; top-1/top-5 are recomputed from them. Every shard 0…N−1 must be given once.")

    @Argument(help: "The shard records (JSON files written by eval --json).")
    var reports: [String]

    @Option(help: "Write the merged record to this JSON file.")
    var json: String?

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("give the shard records to merge") }
    }

    func run() throws {
        try reportingErrors {
            let records = try reports.map { ($0, try RecordFile.read($0)) }
            let merged = try EvaluationRecord.merging(records)
            if let json { try RecordFile.write(merged, to: json) }
            for line in EvalReport.lines(merged, architecture: nil, progress: nil) { print(line) }
        }
    }
}
