import ArgumentParser
import Foundation
import Dispatch
import SupermaskCore
import SupermaskEngine

/// `supermask infer`: logits for a batch of inputs.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on a float32 NCHW batch (.npy) and write its logits (.npy).")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .shortAndLong, help: "The input batch: a .npy array [N, C, H, W] of '<f4' or '<f8'.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the logits, a '<f4' .npy array [N, classes]; - for standard output.")
    var output: String

    @OptionGroup var engineOptions: EngineOptions

    func run() throws {
        try reportingErrors {
            let model = try modelOptions.load()
            let batch = try NPY.read(contentsOf: input, maximumElementCount: modelOptions.limits.batchActivations)
            if let bad = batch.scalars.firstIndex(where: { !$0.isFinite }) {
                throw SupermaskError(file: input, "input holds \(batch.scalars[bad]) at flat index \(bad); inputs must be finite")
            }
            let start = DispatchTime.now()
            let logits: Tensor
            do {
                logits = try engineOptions.makeEngine(for: model, limits: modelOptions.limits).logits(for: batch)
            } catch let error as SupermaskError {
                throw error.inFile(input)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            try writeNPY(logits, to: output)
            printSummary("wrote \(output == "-" ? "standard output" : output.escapedForDisplay()): logits \(logits.shape.shapeDescription) from \(model.architecture.name) in \(String(format: "%.2f", seconds)) s", dataPath: output)
        }
    }
}
