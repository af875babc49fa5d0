import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskTorchInit

/// The size of one subnetwork under each way of storing it, and the information it really holds.
///
/// Every computed row counts the BN running statistics as float32, since every representation needs them;
/// the original `.pth` and the `.smask` rows are real file sizes.
struct SizeReport: Encodable {
    /// One way of storing the subnetwork.
    struct Representation: Encodable {
        var id: String
        var label: String
        var bytes: Int
        var bitsPerWeight: Double
        /// "yes" when it reproduces this model exactly, "lossy", or "no" (its assumption does not hold here).
        var exact: String
    }

    /// Σ log2 C(n, k) and what the weights and statistics add to it.
    struct Bound: Encodable {
        var maskBits: Double
        var signBits: Double
        var valueBits: Double
        var batchNormBits: Double
        var bytes: Double
    }

    var model: String
    var architecture: String
    var weights: Int
    var kept: Int
    var weightMode: String
    var representations: [Representation]
    var bound: Bound
    /// Each masked layer's mask as the container (or auto's choice) codes it, against log2 C(n, k).
    var masks: [MaskLayer]
    var containerBytes: Int
    /// `nil` when the bound is 0 (no masks, no statistics, weights from a seed).
    var containerOverBound: Double?
    var releaseOverContainer: Double

    /// Computes the report for `model`, read from `file` (`statistics` when it is a container), with the
    /// original checkpoint's size when known.
    init(model: Model, file: String, statistics fileStatistics: ContainerStatistics?, originalBytes: Int?) throws {
        let convolutions = model.architecture.convolutions
        let parameters = convolutions.map { model.parameters(of: $0) }
        let n = parameters.reduce(0) { $0 + $1.weight.count }
        let k = parameters.reduce(0) { $0 + $1.keptCount }
        let batchNormBytes = model.architecture.batchNorms.reduce(0) { total, norm in
            let stored = model.parameters(of: norm)
            return total + norm.channels * 4 * (stored.scale == nil ? 2 : 4)
        }
        let choice = try WeightModeSelection.resolve(nil, model: model)
        let statistics: ContainerStatistics
        if let fileStatistics {
            statistics = fileStatistics
        } else {
            statistics = try ContainerWriter.encode(model, mode: choice.mode, generator: choice.generator).statistics
        }
        let layerCount = convolutions.count
        let rawMask = parameters.reduce(0) { $0 + ($1.mask == nil ? 0 : ($1.weight.count + 7) / 8) }
        // The "coded mask" rows need no side information; a layer coded with the initial scores is coded again.
        let codedMask = zip(statistics.layers, parameters).reduce(0) { total, layer in
            guard layer.0.maskCoder == .initialScores, let mask = layer.1.mask else { return total + layer.0.codedMaskBytes }
            return total + MaskCodingSizes.withoutSideInformation(mask).bytes
        }
        let signBytes = parameters.reduce(0) { $0 + ($1.keptCount + 7) / 8 } + 4 * layerCount
        let csr = zip(convolutions, parameters).reduce(0) { $0 + 8 * $1.1.keptCount + 4 * ($1.0.outputChannels + 1) }
        let signsHold = (try? WeightModeSelection.resolve(.signed, model: model)) != nil ? "yes" : "no"
        let seedHolds = choice.mode == .seed ? "yes" : "no"
        let torchSeed = Self.torchSeed(model, fileStatistics: fileStatistics)

        var rows: [(String, String, Int, String)] = []
        if let originalBytes { rows.append(("original", "original .pth", originalBytes, "yes")) }
        rows += [
            ("dense-fp32", "dense float32 weights", 4 * n + batchNormBytes, "yes"),
            ("fp32-weights-scores", "float32 weights + scores (released)", 8 * n + batchNormBytes, "yes"),
            ("csr", "CSR sparse (kept float32 + int32 indices)", csr + batchNormBytes, "yes"),
            ("mask-fp32", "mask + kept float32", rawMask + 4 * k + batchNormBytes, "yes"),
            ("mask-fp16", "mask + kept fp16", rawMask + 2 * k + batchNormBytes, "lossy"),
            ("mask-signs", "mask + signs (signed constant)", rawMask + signBytes + batchNormBytes, signsHold),
            ("mask-seed", "mask + seed", rawMask + 8 + batchNormBytes, seedHolds),
            ("coded-mask-fp32", "coded mask + kept float32", codedMask + 4 * k + batchNormBytes, "yes"),
            ("coded-mask-signs", "coded mask + signs", codedMask + signBytes + batchNormBytes, signsHold),
            ("coded-mask-seed", "coded mask + seed", codedMask + 8 + batchNormBytes, seedHolds),
            ("mask-torch-seed", "mask + torch seed", rawMask + torchSeed.recordBytes + batchNormBytes, torchSeed.holds),
            ("coded-mask-torch-seed", "coded mask + torch seed", codedMask + torchSeed.recordBytes + batchNormBytes, torchSeed.holds),
        ]
        let initialScoresMasks = try Self.masksCodedWithInitialScores(model, statistics: fileStatistics, record: torchSeed.record)
        if let initialScoresMasks {
            let bytes = initialScoresMasks.reduce(0, +) + torchSeed.recordBytes + batchNormBytes
            rows.append(("initial-scores-mask-torch-seed", "mask coded with initial scores + torch seed", bytes, "yes"))
        }
        rows += [
            ("smask", "this .smask (\(statistics.layers.first?.weightMode.description ?? choice.mode.description))", statistics.fileBytes,
             statistics.layers.allSatisfy { $0.weightMode.isLossless } ? "yes" : "lossy"),
        ]
        let mode = statistics.layers.first?.weightMode ?? choice.mode
        let maskBits = parameters.reduce(0.0) { $0 + ($1.mask.map { log2BinomialCoefficient($0.count, $0.keptCount) } ?? 0) }
        let signBits = mode == .signed ? Double(k) : 0
        let valueBits: Double
        switch mode {
        case .seed, .torchSeed, .signed: valueBits = 0
        case .fp16, .bf16: valueBits = 16 * Double(k)
        case .fp32: valueBits = 32 * Double(k)
        }
        let bound = Bound(
            maskBits: maskBits, signBits: signBits, valueBits: valueBits, batchNormBits: 8 * Double(batchNormBytes),
            bytes: (maskBits + signBits + valueBits + 8 * Double(batchNormBytes)) / 8)
        rows.append(("bound", "information bound", Int(bound.bytes.rounded(.up)), "—"))

        self.model = file
        self.architecture = model.architecture.name
        self.weights = n
        self.kept = k
        self.weightMode = mode.description
        self.representations = rows.map {
            Representation(id: $0.0, label: $0.1, bytes: $0.2, bitsPerWeight: n == 0 ? 0 : 8 * Double($0.2) / Double(n), exact: $0.3)
        }
        self.bound = bound
        self.masks = Self.maskLayers(statistics, initialScoresBytes: initialScoresMasks)
        self.containerBytes = statistics.fileBytes
        self.containerOverBound = bound.bytes > 0 ? Double(statistics.fileBytes) / bound.bytes : nil
        self.releaseOverContainer = Double(8 * n + batchNormBytes) / Double(statistics.fileBytes)
    }
}

extension SizeReport {
    /// What a torch-seed container records besides the masks, and whether a seed is known to regenerate the model:
    /// "yes" for a torch-seed container or a model whose recorded seed reproduces every weight.
    /// `record`: the verified record of a model (not a torch-seed container) whose recorded seed regenerates it.
    static func torchSeed(_ model: Model, fileStatistics: ContainerStatistics?) -> (recordBytes: Int, holds: String, record: TorchSeedRecord?) {
        let stored = fileStatistics?.layers.contains { $0.weightMode == .torchSeed } ?? false
        let recorded = TorchSeedSelection.recorded(in: model)
        var record = TorchSeedRecord(
            recipe: TorchSeedRecipe(seed: recorded?.seed ?? 0, profile: recorded?.profile ?? .torch13AVX2, initialisation: recorded?.initialisation ?? .kaimingNormal),
            architecture: model.architecture)
        var holds = stored ? "yes" : "seed unknown"
        var verifiedRecord: TorchSeedRecord?
        if !stored, let recorded {
            if let verified = try? TorchSeedSelection.verify(
                model: model, seed: recorded.seed, profile: recorded.profile, initialisation: recorded.initialisation,
                keptOnly: fileStatistics != nil) {
                record = verified.record
                verifiedRecord = verified.record
                holds = "yes"
            } else {
                holds = "no"
            }
        }
        return (record.encodedByteCount, holds, verifiedRecord)
    }
}
