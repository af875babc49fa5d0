import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskSeedSearch
import SupermaskTorchInit

/// `supermask export`: a model as a compact `.smask` container (docs/format.md).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store a subnetwork as a .smask container: coded masks, and weights as a seed, signs or values.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .shortAndLong, help: "The .smask file to write.")
    var output: String

    @Option(help: "How to store the weights: auto (the smallest lossless mode), seed, torch-seed, signed, fp32, fp16 or bf16.")
    var weights = "auto"

    @Option(help: "The generator seed to store with --weights seed, when the model does not record it.")
    var seed: UInt64?

    @Option(help: "The torch seed that drew the weights (torch.initial_seed() of the run, or its --seed), for --weights torch-seed; checked against every weight. Without it, --weights torch-seed searches for it as recover-seed does.")
    var torchSeed: UInt64?

    @Option(help: "The PyTorch build that drew them: \(TorchProfile.names) (default: the first that reproduces the weights).")
    var torchProfile: String?

    func run() throws {
        try reportingErrors {
            let requested: WeightMode?
            if weights == "auto" {
                requested = nil
            } else if let mode = WeightMode(name: weights) {
                requested = mode
            } else {
                throw SupermaskError("unknown --weights '\(weights)'; use auto, seed, torch-seed, signed, fp32, fp16 or bf16")
            }
            let profile = try torchProfile.map { name in
                guard let profile = TorchProfile(name: name) else {
                    throw SupermaskError("unknown --torch-profile '\(name.escapedForDisplay())'; use \(TorchProfile.names)")
                }
                return profile
            }
            let model = try modelOptions.load()
            let choice: (mode: WeightMode, generator: WeightGenerator?)
            var torchRecord: TorchSeedRecord?
            do {
                if requested == .torchSeed {
                    let verified = try verifiedTorchSeed(model, profile: profile, required: true)
                    torchRecord = verified?.record
                    if let note = verified?.profileNote { print("note: \(note)") }
                    choice = (.torchSeed, nil)
                } else {
                    choice = try WeightModeSelection.resolve(requested, model: model, seedOverride: seed)
                }
            } catch let error as SupermaskError {
                throw error.inFile(modelOptions.model)
            }
            let (bytes, statistics) = try ContainerWriter.encode(
                model, mode: choice.mode, generator: choice.generator, torchSeed: torchRecord)
            if choice.mode.isLossless { try verifyRoundTrip(bytes, of: model, limits: modelOptions.limits) }
            if requested == nil { try suggestTorchSeed(model, profile: profile, than: bytes.count) }
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw SupermaskError(file: output, "cannot write the file")
            }
            // What the releases store: float32 weights and scores, and the BN statistics.
            let weightCount = statistics.layers.reduce(0) { $0 + $1.weightCount }
            let statisticsBytes = model.batchNorms.values.reduce(0) { $0 + 4 * ($1.runningMean.count + $1.runningVariance.count) }
            let release = 8 * weightCount + statisticsBytes
            let coders = Dictionary(grouping: statistics.layers.compactMap(\.maskCoder), by: { $0 })
                .sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) ×\($0.value.count)" }
            let seedText = torchRecord.map { " (torch seed \($0.recipe.seed), \($0.recipe.profile), verified)" } ?? ""
            let overBound = statistics.masksOverBound.map { String(format: " = %.4f× Σ log2 C(n, k)", $0) } ?? ""
            print("wrote \(output): \(grouped(bytes.count)) bytes, weights as \(choice.mode)\(seedText)\(choice.mode.isLossless ? " (lossless)" : " (lossy)")" + (coders.isEmpty ? "" : ", masks \(coders.joined(separator: ", ")) in \(grouped(statistics.codedMaskBits)) bits\(overBound)") + String(format: "; %.1f× smaller than float32 weights + scores", Double(release) / Double(bytes.count)))
        }
    }

    /// The torch seed (`--torch-seed`, else the one the model records) checked against every weight the model
    /// holds; when neither gives one, the seed `supermask recover-seed` finds if `required` (`--weights
    /// torch-seed`), else `nil`: `auto` never starts a search.
    private func verifiedTorchSeed(_ model: Model, profile: TorchProfile?, required: Bool) throws -> TorchSeedSelection.Verified? {
        let recorded = TorchSeedSelection.recorded(in: model)
        // A container may store only the kept weights: the others read as 0 and say nothing about the seed.
        let keptOnly = ContainerReader.isContainer(path: modelOptions.model)
        guard let seed = torchSeed ?? recorded?.seed else {
            guard required else { return nil }
            let match = try recoveredTorchSeed(model, keptOnly: keptOnly)
            guard let profile else { return match.verified }
            return try TorchSeedSelection.verify(model: model, seed: UInt64(match.seed), profile: profile, keptOnly: keptOnly)
        }
        return try TorchSeedSelection.verify(
            model: model, seed: seed, profile: profile ?? recorded?.profile,
            initialisation: torchSeed == nil ? recorded?.initialisation : nil, keptOnly: keptOnly)
    }

    /// The seed found from the weights alone over all 2³² (`supermask recover-seed`'s search, its progress on
    /// stderr), or an error saying what was tried.
    private func recoveredTorchSeed(_ model: Model, keptOnly: Bool) throws -> TorchSeedMatch {
        printError("export: no --torch-seed given: searching all 2^32 torch seeds for the one that drew the weights")
        var progressLine = SeedSearchProgressLine()
        let report = try TorchSeedSearch.search(model: model, keptOnly: keptOnly) { progressLine.show($0) }
        progressLine.finish()
        guard let match = report.match else { throw SupermaskError(report.notFoundDescription) }
        print("note: recovered torch seed \(match.seed) in \(format(report.seconds, 1)) s (\(grouped(Int(report.tested))) seeds tested against \(report.evidence))")
        return match
    }

    /// `--weights auto` never searches for a seed, but with a known one it says when storing it would be smaller.
    private func suggestTorchSeed(_ model: Model, profile: TorchProfile?, than bytes: Int) throws {
        let verified: TorchSeedSelection.Verified?
        do {
            verified = try verifiedTorchSeed(model, profile: profile, required: false)
        } catch let error as SupermaskError {
            print("note: --weights torch-seed is not possible: \(error.message)")
            return
        }
        guard let verified else { return }
        let smaller = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: verified.record).bytes.count
        if smaller < bytes {
            print("note: --weights torch-seed would be smaller: \(grouped(smaller)) bytes (torch seed \(verified.record.recipe.seed) regenerates every weight under \(verified.record.recipe.profile))")
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
