/// A subnetwork ready to run or inspect: an architecture, each layer's weights and mask, BN statistics,
/// and what the checkpoint said about itself.
///
/// Every importer produces this type and every consumer (the forward pass, the inspector) reads it.
public struct Model: Sendable {
    /// The network's structure.
    public var architecture: Architecture
    /// Parameters of every convolution, by state-dict name (`layer1.0.conv2`).
    public var convolutions: [String: ConvolutionParameters]
    /// Statistics (and, for dense baselines, affine parameters) of every batch norm, by state-dict name.
    public var batchNorms: [String: BatchNormParameters]
    /// The fraction of weights kept, when any layer is masked.
    public var keep: KeepFraction?
    /// The checkpoint's own entries (`arch`, `epoch`, `best_acc1`, …) and the converter's provenance, in file order.
    public var metadata: [(key: String, value: MetadataValue)]
    /// Things a user should know that do not stop the model from running (unexpected keys, tie counts, …).
    public var warnings: [String]

    public init(
        architecture: Architecture, convolutions: [String: ConvolutionParameters],
        batchNorms: [String: BatchNormParameters], keep: KeepFraction?,
        metadata: [(key: String, value: MetadataValue)] = [], warnings: [String] = []
    ) {
        self.architecture = architecture
        self.convolutions = convolutions
        self.batchNorms = batchNorms
        self.keep = keep
        self.metadata = metadata
        self.warnings = warnings
    }

    /// The parameters of `convolution`, which a validated model has (`validate(limits:)`; every importer ends with
    /// it). Code that may receive an unvalidated model asks `checkedParameters(of:)` instead.
    public func parameters(of convolution: Convolution) -> ConvolutionParameters {
        guard let parameters = convolutions[convolution.name] else {
            preconditionFailure("Model: no parameters for convolution \(convolution.name)")
        }
        return parameters
    }

    /// The statistics of `norm`, which a validated model has. Code that may receive an unvalidated model asks
    /// `checkedParameters(of:)` instead.
    public func parameters(of norm: BatchNorm) -> BatchNormParameters {
        guard let parameters = batchNorms[norm.name] else {
            preconditionFailure("Model: no statistics for batch norm \(norm.name)")
        }
        return parameters
    }
}

/// One convolution's weights and, for a supermask layer, which of them are kept.
public struct ConvolutionParameters: Sendable {
    /// The weights in flat order (out, in, kh, kw), exactly as stored (unmasked).
    public var weight: [Float]
    /// The edge-popup mask, or `nil` for a dense layer (no scores in the checkpoint).
    public var mask: BitMask?
    /// How many |scores| equal the threshold on both sides of it (0: the kept set does not depend on tie order).
    public var tiesAtThreshold: Int

    public init(weight: [Float], mask: BitMask?, tiesAtThreshold: Int = 0) {
        self.weight = weight
        self.mask = mask
        self.tiesAtThreshold = tiesAtThreshold
    }

    /// The number of weights that take part in the forward pass.
    public var keptCount: Int { mask?.keptCount ?? weight.count }

    /// The weights the forward pass uses: `weight ⊙ mask`.
    public var effectiveWeight: [Float] { mask?.applied(to: weight) ?? weight }
}

/// Batch normalisation in evaluation mode: `y = (x − mean) / √(variance + ε) · scale + shift`.
public struct BatchNormParameters: Sendable {
    /// PyTorch's default ε, which every hidden-networks BN uses.
    public static let epsilon: Float = 1e-5

    public var runningMean: [Float]
    public var runningVariance: [Float]
    /// γ of an affine BN (dense baselines); `nil` for the non-affine BN of supermask models.
    public var scale: [Float]?
    /// β of an affine BN; `nil` for non-affine.
    public var shift: [Float]?

    public init(runningMean: [Float], runningVariance: [Float], scale: [Float]? = nil, shift: [Float]? = nil) {
        self.runningMean = runningMean
        self.runningVariance = runningVariance
        self.scale = scale
        self.shift = shift
    }
}

/// A scalar entry of a checkpoint's metadata.
public enum MetadataValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return value
        }
    }
}
