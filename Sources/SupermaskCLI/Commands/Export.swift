import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskFormat

/// `supermask export`: a model as a compact `.smask` container (docs/format.md).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store a subnetwork as a .smask container: coded masks, and weights as a seed, signs or values.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .shortAndLong, help: "The .smask file to write.")
    var output: String

    @Option(help: "How to store the weights: auto (the smallest lossless mode), seed, signed, fp32, fp16 or bf16.")
    var weights = "auto"

    @Option(help: "The generator seed to store with --weights seed, when the model does not record it.")
    var seed: UInt64?

    func run() throws {
        try reportingErrors {
            let requested: WeightMode?
            if weights == "auto" {
                requested = nil
            } else if let mode = WeightMode(name: weights) {
                requested = mode
            } else {
                throw SupermaskError("unknown --weights '\(weights)'; use auto, seed, signed, fp32, fp16 or bf16")
            }
            let model = try modelOptions.load()
            let choice: (mode: WeightMode, generator: WeightGenerator?)
            do {
                choice = try WeightModeSelection.resolve(requested, model: model, seedOverride: seed)
            } catch let error as SupermaskError {
                throw error.inFile(modelOptions.model)
            }
            let (bytes, statistics) = try ContainerWriter.encode(model, mode: choice.mode, generator: choice.generator)
            if choice.mode.isLossless { try verifyRoundTrip(bytes, of: model, limits: modelOptions.limits) }
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw SupermaskError(file: output, "cannot write the file")
            }
            // What the releases store: float32 weights and scores, and the BN statistics.
            let weightCount = statistics.layers.reduce(0) { $0 + $1.weightCount }
            let statisticsBytes = model.batchNorms.values.reduce(0) { $0 + 4 * ($1.runningMean.count + $1.runningVariance.count) }
            let release = 8 * weightCount + statisticsBytes
            let coders = Dictionary(grouping: statistics.layers.compactMap(\.maskCoder), by: { $0 })
                .sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) ×\($0.value.count)" }
            print("wrote \(output): \(grouped(bytes.count)) bytes, weights as \(choice.mode)\(choice.mode.isLossless ? " (lossless)" : " (lossy)")" + (coders.isEmpty ? "" : ", masks \(coders.joined(separator: ", "))") + String(format: "; %.1f× smaller than float32 weights + scores", Double(release) / Double(bytes.count)))
        }
    }

    /// Reads the container back and checks masks and used weights bit for bit, so a lossless export is proven.
    private func verifyRoundTrip(_ bytes: [UInt8], of model: Model, limits: ModelLimits) throws {
        let loaded = try ContainerReader.decode(bytes, limits: limits).model
        for convolution in model.architecture.convolutions {
            let before = model.parameters(of: convolution), after = loaded.parameters(of: convolution)
            let same = before.mask == after.mask
                && zip(before.effectiveWeight, after.effectiveWeight).allSatisfy { $0.bitPattern == $1.bitPattern }
            guard same else { throw SupermaskError("internal error: '\(convolution.name)' does not survive the round trip; please report this") }
        }
    }
}
