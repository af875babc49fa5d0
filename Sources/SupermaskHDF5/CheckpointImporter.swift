import SupermaskCore

/// Loads a hidden-networks checkpoint converted by `tools/pth2h5.py` (layout: docs/hdf5-layout.md) into a `Model`.
///
/// The architecture comes from `options.architecture`, else from the file's `arch` attribute, else from the
/// key set and shapes. Every parameter is checked against it (present, right shape, floating point, finite),
/// and every layer that has `scores` gets its edge-popup mask at the keep fraction from `options.keep` or the
/// file's `keep` attribute.
///
/// libhdf5 reads the file where `HDF5Isolation.current` says (in a child process, in the `supermask` command); every
/// check on the tensors is made here, in this process.
public enum CheckpointImporter {
    /// What the user may override on the command line.
    public struct Options: Sendable {
        /// Use this architecture instead of the one the file names or implies.
        public var architecture: Architecture?
        /// Use this keep fraction instead of the file's `keep` attribute.
        public var keep: KeepFraction?
        /// Refuse a file holding tensors the architecture does not use, instead of warning about them: the key set
        /// must be exactly the architecture's (`num_batches_tracked` counters aside).
        public var requiresExactKeySet: Bool
        /// How large the model may be; checked on the model read (`Model.validate`).
        public var limits: ModelLimits

        public init(architecture: Architecture? = nil, keep: KeepFraction? = nil, requiresExactKeySet: Bool = false,
                    limits: ModelLimits = .standard) {
            self.architecture = architecture
            self.keep = keep
            self.requiresExactKeySet = requiresExactKeySet
            self.limits = limits
        }
    }

    /// Reads the model in the HDF5 file at `path`, validated as every importer's output is.
    public static func load(path: String, options: Options = Options()) throws -> Model {
        let stateDict = try HDF5Isolation.current.readStateDict(path: path)
        let model = try model(from: stateDict, path: path, options: options)
        do { try model.validate(limits: options.limits) } catch let error as SupermaskError { throw error.inFile(path) }
        return model
    }

    private static func model(from stateDict: HDF5StateDict, path: String, options: Options) throws -> Model {
        let metadata = stateDict.attributes
        let shapes = stateDict.tensors
        let architecture = try resolveArchitecture(options.architecture, metadata: metadata, shapes: shapes, path: path)
        var reader = ParameterReader(path: path, shapes: shapes)
        let hasScores = architecture.convolutions.contains { shapes["\($0.name).scores"] != nil }
        let keep = try hasScores ? resolveKeep(options.keep, metadata: metadata, path: path) : options.keep

        var warnings: [String] = []
        var convolutions: [String: ConvolutionParameters] = [:]
        for convolution in architecture.convolutions {
            let weight = try reader.floats("\(convolution.name).weight", shape: convolution.weightShape)
            var parameters = ConvolutionParameters(weight: weight, mask: nil)
            if let keep, shapes["\(convolution.name).scores"] != nil {
                let scores = try reader.floats("\(convolution.name).scores", shape: convolution.weightShape)
                let (mask, ties) = BitMask.keepingLargestMagnitudes(of: scores, keep: keep)
                parameters = ConvolutionParameters(weight: weight, mask: mask, tiesAtThreshold: ties)
                if ties > 0 {
                    warnings.append("\(convolution.name): \(ties) scores tie at the mask threshold; ties are broken by flat index as the original code's stable sort does")
                }
            } else if hasScores {
                warnings.append("\(convolution.name): no scores, so the layer is dense (unmasked)")
            }
            convolutions[convolution.name] = parameters
        }
        var batchNorms: [String: BatchNormParameters] = [:]
        for norm in architecture.batchNorms {
            batchNorms[norm.name] = try reader.batchNorm(norm)
        }
        let unused = reader.unusedKeys.filter { !$0.hasSuffix(".num_batches_tracked") }
        if !unused.isEmpty {
            let listed = "\(unused.prefix(5).joined(separator: ", "))\(unused.count > 5 ? ", …" : "")"
            if options.requiresExactKeySet {
                throw SupermaskError(file: path, "holds tensors that \(architecture.name) does not have: \(listed)")
            }
            warnings.append("\(unused.count) entries not used by \(architecture.name): \(listed)")
        }
        return Model(
            architecture: architecture, convolutions: convolutions, batchNorms: batchNorms, keep: keep,
            metadata: metadata, warnings: warnings)
    }

    private static func resolveArchitecture(
        _ override: Architecture?, metadata: [(key: String, value: MetadataValue)], shapes: [String: HDF5Tensor],
        path: String
    ) throws -> Architecture {
        if let override { return override }
        let named = metadata.first { $0.key == "arch" }.map { $0.value.description }
        if let named, let architecture = Architecture.named(named) { return architecture }
        if let recognised = Architecture.catalogue.first(where: { matches($0, shapes) }) { return recognised }
        if let named {
            throw SupermaskError(file: path, "unknown architecture '\(named)' and the tensors match none of \(Architecture.catalogueNames); pass --arch")
        }
        throw SupermaskError(file: path, "no arch attribute and the tensors match none of \(Architecture.catalogueNames); pass --arch")
    }

    /// Whether every convolution weight of `architecture` is in `shapes` with the right shape, and no other 4-D weight is.
    private static func matches(_ architecture: Architecture, _ shapes: [String: HDF5Tensor]) -> Bool {
        let convolutions = architecture.convolutions
        let weightCount = shapes.filter { $0.key.hasSuffix(".weight") && $0.value.shape.count == 4 }.count
        return weightCount == convolutions.count
            && convolutions.allSatisfy { shapes["\($0.name).weight"]?.shape == $0.weightShape }
    }

    private static func resolveKeep(
        _ override: KeepFraction?, metadata: [(key: String, value: MetadataValue)], path: String
    ) throws -> KeepFraction {
        if let override { return override }
        guard let stored = metadata.first(where: { $0.key == "keep" })?.value else {
            throw SupermaskError(file: path, "the model has scores but no keep fraction: pass --keep (the released models use 0.3) or convert with pth2h5.py --keep")
        }
        let value: Double
        switch stored {
        case .real(let real): value = real
        case .integer(let integer): value = Double(integer)
        case .text(let text): throw SupermaskError(file: path, "the keep attribute is the string '\(text)', not a number")
        }
        do { return try KeepFraction(value) } catch let error as SupermaskError { throw error.inFile(path) }
    }
}

/// Takes named tensors from the state dict, checking each and remembering which keys were used.
private struct ParameterReader {
    let path: String
    let shapes: [String: HDF5Tensor]
    private var used: Set<String> = []

    init(path: String, shapes: [String: HDF5Tensor]) {
        self.path = path
        self.shapes = shapes
    }

    var unusedKeys: [String] { shapes.keys.filter { !used.contains($0) }.sorted() }

    /// The float tensor `key`, which must exist with `shape`, be floating point and hold only finite values.
    mutating func floats(_ key: String, shape: [Int]) throws -> [Float] {
        guard let info = shapes[key] else {
            throw SupermaskError(file: path, "missing tensor '\(key)' (expected shape \(shape.shapeDescription))")
        }
        guard info.shape == shape else {
            throw SupermaskError(file: path, "tensor '\(key)' has shape \(info.shape.shapeDescription), expected \(shape.shapeDescription)")
        }
        guard case .float = info.elementType, let values = info.floats else {
            throw SupermaskError(file: path, "tensor '\(key)' has dtype \(info.elementType), expected a floating-point type")
        }
        used.insert(key)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SupermaskError(file: path, "tensor '\(key)' holds \(values[bad]) at flat index \(bad); weights, scores and statistics must be finite")
        }
        return values
    }

    /// A batch norm's running statistics, and γ/β when the checkpoint has them (affine BN of dense baselines).
    mutating func batchNorm(_ norm: BatchNorm) throws -> BatchNormParameters {
        let shape = [norm.channels]
        let mean = try floats("\(norm.name).running_mean", shape: shape)
        let variance = try floats("\(norm.name).running_var", shape: shape)
        if let bad = variance.firstIndex(where: { $0 < 0 }) {
            throw SupermaskError(file: path, "tensor '\(norm.name).running_var' is negative (\(variance[bad])) at index \(bad)")
        }
        _ = shapes["\(norm.name).num_batches_tracked"].map { _ in used.insert("\(norm.name).num_batches_tracked") }
        guard shapes["\(norm.name).weight"] != nil || shapes["\(norm.name).bias"] != nil else {
            return BatchNormParameters(runningMean: mean, runningVariance: variance)
        }
        return BatchNormParameters(
            runningMean: mean, runningVariance: variance,
            scale: try floats("\(norm.name).weight", shape: shape), shift: try floats("\(norm.name).bias", shape: shape))
    }
}
