import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskFormat

/// `supermask inspect`: what is inside a model.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's architecture, per-layer sparsity, weight init and BN statistics.")

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    func run() throws {
        try reportingErrors {
            let (model, statistics) = try modelOptions.loadWithStatistics()
            let report = InspectReport(model: model, file: try modelOptions.resolvedPath(), containerStatistics: statistics)
            if json {
                for key in report.nonFiniteMetadataKeys {
                    let value = report.metadata[key]?.description ?? ""
                    printError("supermask: warning: \(modelOptions.model.escapedForDisplay()): metadata \(key.escapedForDisplay(limit: 80)) is \(value), written as null (JSON has no NaN or infinity)")
                }
                try printJSON(report, about: modelOptions.model)
            } else {
                print(report.text)
            }
        }
    }
}
