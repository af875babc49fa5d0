import SupermaskCore
import SupermaskFormat

/// What `supermask inspect` tells about a model, as one value that renders to a table or to JSON.
struct InspectReport: Encodable {
    var file: String
    var architecture: String
    var inputShape: [Int]
    var classes: Int
    var keep: Double?
    var metadata: [String: MetadataValue]
    /// The torch seed the model records, checked against its weights.
    var torchSeed: TorchSeedReport?
    var layers: [LayerReport]
    var totals: Totals
    /// How a container codes its masks, against Σ log2 C(n, k) (`nil` for a checkpoint).
    var masks: MaskTotals?
    var batchNorm: BatchNormSummary
    var warnings: [String]

    /// One convolution (or 1×1 "linear" layer).
    struct LayerReport: Encodable {
        var name: String
        var kind: String
        var stride: Int
        var shape: [Int]
        var parameters: Int
        var kept: Int
        var density: Double
        var masked: Bool
        var initialisation: String
        /// |w| for a signed constant, the sample standard deviation otherwise.
        var scale: Double
        /// √(2 / fan_in).
        var expectedScale: Double
        var tiesAtThreshold: Int
        /// In a container: the mask's coder, its size and log2 C(n, k), in bits.
        var maskCoder: String?
        var maskBits: Int?
        var maskBoundBits: Double?
    }

    /// The masks of a container in bits, and over Σ log2 C(n, k).
    struct MaskTotals: Encodable {
        var codedBits: Int
        var boundBits: Double
        var overBound: Double?
    }

    /// A recorded torch seed and whether it regenerates every weight the model holds.
    struct TorchSeedReport: Encodable {
        var seed: String
        var profile: String?
        var initialisation: String?
        var verified: Bool
        /// The first weight that differs, when not verified.
        var difference: String?
    }

    struct Totals: Encodable {
        var weights: Int
        var kept: Int
        var density: Double
        var maskedLayers: Int
        var denseLayers: Int
    }

    struct BatchNormSummary: Encodable {
        var layers: Int
        var channels: Int
        var affine: Bool
        var runningMeanMaxAbs: Double
        var runningVarianceMin: Double
        var runningVarianceMax: Double
    }

    /// The report of `model`, read from `file`; `containerStatistics` when the file is a container, which stores only
    /// the kept weights (a recorded torch seed is then checked against those alone) and codes the masks.
    init(model: Model, file: String, containerStatistics: ContainerStatistics? = nil) {
        let keptOnly = containerStatistics != nil
        self.file = file
        architecture = model.architecture.name
        inputShape = model.architecture.inputShape
        classes = model.architecture.classCount
        keep = model.keep?.value
        metadata = Dictionary(model.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        if let recorded = TorchSeedSelection.recorded(in: model) {
            var report = TorchSeedReport(
                seed: String(recorded.seed), profile: recorded.profile?.rawValue, initialisation: recorded.initialisation?.rawValue,
                verified: false)
            do {
                let verified = try TorchSeedSelection.verify(
                    model: model, seed: recorded.seed, profile: recorded.profile, initialisation: recorded.initialisation,
                    keptOnly: keptOnly)
                report.verified = true
                report.profile = verified.record.recipe.profile.rawValue
                report.initialisation = verified.record.recipe.initialisation.rawValue
            } catch let error as SupermaskError {
                report.difference = error.message
            } catch {
                report.difference = "\(error)"
            }
            torchSeed = report
        }
        var warnings = model.warnings
        layers = model.architecture.convolutions.map { convolution in
            let parameters = model.parameters(of: convolution)
            let initialisation = WeightInitialisation.recognise(parameters.weight, fanIn: convolution.fanIn)
            if case .signedConstant(let magnitude, let expected) = initialisation, !initialisation.matchesExpectedScale {
                warnings.append("\(convolution.name): signed constant \(magnitude) is not √(2/fan_in) = \(expected)")
            }
            var layer = LayerReport(convolution: convolution, parameters: parameters, initialisation: initialisation)
            if let stored = containerStatistics?.layers.first(where: { $0.name == convolution.name }), let coder = stored.maskCoder {
                layer.maskCoder = coder.description
                layer.maskBits = stored.codedMaskBits
                layer.maskBoundBits = stored.maskBoundBits
            }
            return layer
        }
        masks = containerStatistics.flatMap { statistics in
            statistics.layers.contains { $0.maskCoder != nil }
                ? MaskTotals(codedBits: statistics.codedMaskBits, boundBits: statistics.maskBoundBits, overBound: statistics.masksOverBound)
                : nil
        }
        let weights = layers.reduce(0) { $0 + $1.parameters }
        let kept = layers.reduce(0) { $0 + $1.kept }
        let masked = layers.filter(\.masked).count
        totals = Totals(
            weights: weights, kept: kept, density: weights == 0 ? 0 : Double(kept) / Double(weights),
            maskedLayers: masked, denseLayers: layers.count - masked)
        let norms = model.architecture.batchNorms.map { model.parameters(of: $0) }
        batchNorm = BatchNormSummary(
            layers: norms.count, channels: norms.reduce(0) { $0 + $1.runningMean.count },
            affine: norms.contains { $0.scale != nil },
            runningMeanMaxAbs: Double(norms.flatMap(\.runningMean).map(\.magnitude).max() ?? 0),
            runningVarianceMin: Double(norms.flatMap(\.runningVariance).min() ?? 0),
            runningVarianceMax: Double(norms.flatMap(\.runningVariance).max() ?? 0))
        if masked == 0 { warnings.append("no layer has scores: a dense model, every weight is used") }
        self.warnings = warnings
    }
}

extension InspectReport.LayerReport {
    init(convolution: Convolution, parameters: ConvolutionParameters, initialisation: WeightInitialisation) {
        name = convolution.name
        let isLinear = convolution.name == "fc" || convolution.name.hasPrefix("linear.")
        kind = isLinear ? "linear" : "conv\(convolution.kernel)x\(convolution.kernel)"
        stride = convolution.stride
        shape = convolution.weightShape
        self.parameters = convolution.weightCount
        kept = parameters.keptCount
        density = Double(kept) / Double(convolution.weightCount)
        masked = parameters.mask != nil
        self.initialisation = initialisation.name
        switch initialisation {
        case .signedConstant(let magnitude, let expected):
            scale = Double(magnitude)
            expectedScale = Double(expected)
        case .kaimingNormal(let deviation, let expected), .other(let deviation, let expected):
            scale = deviation
            expectedScale = expected
        }
        tiesAtThreshold = parameters.tiesAtThreshold
    }
}

extension InspectReport {
    /// The metadata keys whose value is a NaN or an infinity, which the JSON report holds as null, sorted.
    var nonFiniteMetadataKeys: [String] {
        metadata.filter { _, value in
            if case .real(let number) = value { return !number.isFinite }
            return false
        }.keys.sorted()
    }
}

extension MetadataValue: Encodable {
    /// The value as JSON; JSON has no NaN or infinity, so a non-finite real is null (`inspect --json` says so on
    /// stderr).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .real(let value) where !value.isFinite: try container.encodeNil()
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}
