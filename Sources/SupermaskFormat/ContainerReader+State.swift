import SupermaskCore

/// What the reader has decoded so far, and which section must come next: ARCH, META, one CONV per
/// convolution and one NORM per batch norm in architecture order, END.
struct DecodingState {
    let sectionCount: Int
    /// What the architecture may claim; checked as soon as ARCH is read, before any section allocates weights.
    let limits: ModelLimits
    private var architecture: Architecture?
    private var convolutionOrder: [Convolution] = []
    private var normOrder: [BatchNorm] = []
    private var keep: KeepFraction?
    private var generator: WeightGenerator?
    private var torchSeed: TorchSeedRecord?
    private var metadata: [(key: String, value: MetadataValue)] = []
    private var convolutions: [String: ConvolutionParameters] = [:]
    private var batchNorms: [String: BatchNormParameters] = [:]
    private var layers: [ContainerStatistics.Layer] = []
    /// Masks coded with the initial scores, by layer: decoded once the torch stream is regenerated.
    private var conditionedMasks: [String: ArraySlice<UInt8>] = [:]
    private var next = 0
    private var ended = false

    init(sectionCount: Int, limits: ModelLimits) {
        self.sectionCount = sectionCount
        self.limits = limits
    }

    /// The name of section `index` as the architecture (once read) says it should be, for error messages.
    func expectedSectionName(_ index: Int) -> String {
        if index == 0 { return "architecture" }
        if index == 1 { return "metadata" }
        if index - 2 < convolutionOrder.count { return "convolution '\(convolutionOrder[index - 2].name)'" }
        let normIndex = index - 2 - convolutionOrder.count
        if normIndex < normOrder.count { return "batch norm '\(normOrder[normIndex].name)'" }
        return architecture == nil ? "unknown" : "end"
    }

    private func expectedKind(_ index: Int) -> ContainerLayout.SectionKind {
        if index == 0 { return .architecture }
        if index == 1 { return .metadata }
        if index - 2 < convolutionOrder.count { return .convolution }
        if index - 2 - convolutionOrder.count < normOrder.count { return .batchNorm }
        return .end
    }

    mutating func consume(_ kind: ContainerLayout.SectionKind, payload: ArraySlice<UInt8>) throws {
        let expected = expectedKind(next)
        guard kind == expected else { throw SupermaskError("a \(kind) section where the architecture header puts the \(expected) section") }
        defer { next += 1 }
        switch kind {
        case .architecture:
            let decoded = try ArchitectureCoding.decode(payload)
            // Before anything is allocated for it: a consistent graph at every input size the header allows, one
            // name per layer, weights (stored or generated alike), activations and multiply-adds within the limits.
            try decoded.validate(limits: limits)
            architecture = decoded
            convolutionOrder = decoded.convolutions
            normOrder = decoded.batchNorms
            let needed = 3 + convolutionOrder.count + normOrder.count
            guard needed == sectionCount else {
                throw SupermaskError("the header counts \(sectionCount) sections but the architecture needs \(needed)")
            }
        case .metadata: try readMetadata(payload)
        case .convolution: try readConvolution(convolutionOrder[next - 2], index: next - 2, payload: payload)
        case .batchNorm: try readBatchNorm(normOrder[next - 2 - convolutionOrder.count], payload: payload)
        case .end:
            guard payload.isEmpty else { throw SupermaskError("the end section has a \(payload.count)-byte payload") }
            ended = true
        }
    }

    private mutating func readMetadata(_ payload: ArraySlice<UInt8>) throws {
        var reader = ByteReader(payload)
        let hasKeep = try reader.read(UInt8.self, "the keep flag")
        let keepValue = try reader.readDouble("the keep fraction")
        if hasKeep == 1 { keep = try KeepFraction(keepValue) } else if hasKeep != 0 { throw SupermaskError("keep flag \(hasKeep) is not 0 or 1") }
        let hasGenerator = try reader.read(UInt8.self, "the generator flag")
        if hasGenerator == 1 {
            let identifier = try reader.readString("the generator")
            guard identifier == WeightGenerator.identifier else {
                throw SupermaskError("generator '\(identifier)' is unknown; this supermask regenerates \(WeightGenerator.identifier)")
            }
            let seed = try reader.read(UInt64.self, "the seed")
            let initName = try reader.readString("the init")
            guard let initialisation = WeightGenerator.Initialisation(rawValue: initName) else {
                throw SupermaskError("unknown init '\(initName)'")
            }
            generator = WeightGenerator(seed: seed, initialisation: initialisation)
        } else if hasGenerator == 2, let architecture {
            torchSeed = try TorchSeedRecord.decode(&reader, architecture: architecture)
        } else if hasGenerator != 0 {
            throw SupermaskError("generator flag \(hasGenerator) is not 0, 1 or 2")
        }
        let count = try reader.read(UInt32.self, "the entry count")
        guard Int(count) <= reader.remaining / 6 else { throw SupermaskError("entry count \(count) exceeds what \(reader.remaining) bytes can hold") }
        for _ in 0..<count {
            let key = try reader.readString("an entry name")
            let type = try reader.read(UInt8.self, "the type of '\(key)'")
            switch type {
            case 0: metadata.append((key, .integer(try reader.read(Int64.self, "'\(key)'"))))
            case 1: metadata.append((key, .real(try reader.readDouble("'\(key)'"))))
            case 2: metadata.append((key, .text(try reader.readString("'\(key)'"))))
            default: throw SupermaskError("entry '\(key)' has unknown type \(type)")
            }
        }
        try reader.expectEnd("the metadata")
    }

    private mutating func readConvolution(_ convolution: Convolution, index: Int, payload: ArraySlice<UInt8>) throws {
        var reader = ByteReader(payload)
        let name = try reader.readString("the layer name")
        let count = try reader.read(UInt64.self, "the weight count")
        guard name == convolution.name, count == UInt64(convolution.weightCount) else {
            throw SupermaskError("the record is '\(name)' with \(count) weights but the architecture header has '\(convolution.name)' with \(convolution.weightCount)")
        }
        let n = convolution.weightCount
        let masked = try reader.read(UInt8.self, "the mask flag")
        guard masked <= 1 else { throw SupermaskError("mask flag \(masked) is not 0 or 1") }
        let keptValue = try reader.read(UInt64.self, "the kept count")
        guard keptValue <= UInt64(n), masked == 1 || keptValue == UInt64(n) else {
            throw SupermaskError("kept count \(keptValue) is impossible for \(n) weights")
        }
        let kept = Int(keptValue)
        let ties = try reader.read(UInt64.self, "the tie count")
        guard ties <= UInt64(n) else { throw SupermaskError("tie count \(ties) exceeds the \(n) weights") }
        var mask: BitMask?
        var coder: MaskCoder?
        var codedBytes = 0
        if masked == 1 {
            let coderValue = try reader.read(UInt8.self, "the mask coder")
            guard let maskCoder = MaskCoder(rawValue: coderValue) else { throw SupermaskError("unknown mask coder \(coderValue)") }
            let rawSize = try reader.read(UInt64.self, "the raw mask size")
            guard rawSize == UInt64((n + 7) / 8) else { throw SupermaskError("raw mask size \(rawSize) is not ⌈\(n)/8⌉") }
            let coded = try reader.readBlock("the mask")
            if maskCoder == .initialScores {
                conditionedMasks[name] = coded
            } else {
                mask = try CodedMask.decode(coder: maskCoder, bytes: coded, count: n, keptCount: kept)
            }
            coder = maskCoder
            codedBytes = coded.count
        }
        let modeValue = try reader.read(UInt8.self, "the weight mode")
        guard let mode = WeightMode(rawValue: modeValue) else { throw SupermaskError("unknown weight mode \(modeValue)") }
        let stored = try reader.readBlock("the weights")
        try reader.expectEnd("the record")
        if coder == .initialScores, mode != .torchSeed {
            throw SupermaskError("the initial-scores mask coder needs torch-seed weights, not \(mode)")
        }
        let weight: [Float]
        if mode == .seed {
            guard let generator else { throw SupermaskError("seed weights but the metadata names no generator") }
            guard stored.isEmpty else { throw SupermaskError("seed mode stores no weights, yet \(stored.count) bytes follow") }
            weight = generator.weights(layerIndex: index, count: n, fanIn: convolution.fanIn)
        } else if mode == .torchSeed {
            guard torchSeed != nil else { throw SupermaskError("torch-seed weights but the metadata names no torch generator") }
            guard stored.isEmpty else { throw SupermaskError("torch-seed mode stores no weights, yet \(stored.count) bytes follow") }
            // Regenerated for all such layers at once when the container has been read (one pass over the stream).
            weight = []
        } else {
            let values = try KeptWeights.decode(stored, mode: mode, count: kept)
            weight = KeptWeights.scatter(values, mask: mask, count: n)
        }
        convolutions[name] = ConvolutionParameters(weight: weight, mask: mask, tiesAtThreshold: Int(ties))
        layers.append(ContainerStatistics.Layer(
            name: name, weightCount: n, keptCount: kept, maskCoder: coder, rawMaskBytes: mask == nil ? 0 : (n + 7) / 8,
            codedMaskBytes: codedBytes, weightBytes: stored.count, weightMode: mode))
    }

    private mutating func readBatchNorm(_ norm: BatchNorm, payload: ArraySlice<UInt8>) throws {
        var reader = ByteReader(payload)
        let name = try reader.readString("the layer name")
        let channels = try reader.read(UInt32.self, "the channel count")
        guard name == norm.name, channels == UInt32(norm.channels) else {
            throw SupermaskError("the record is '\(name)' with \(channels) channels but the architecture header has '\(norm.name)' with \(norm.channels)")
        }
        let affine = try reader.read(UInt8.self, "the affine flag")
        guard affine <= 1 else { throw SupermaskError("affine flag \(affine) is not 0 or 1") }
        let mean = try reader.readFloats(norm.channels, "the running mean")
        let variance = try reader.readFloats(norm.channels, "the running variance")
        var parameters = BatchNormParameters(runningMean: mean, runningVariance: variance)
        if affine == 1 {
            parameters.scale = try reader.readFloats(norm.channels, "the scale")
            parameters.shift = try reader.readFloats(norm.channels, "the shift")
        }
        try reader.expectEnd("the record")
        batchNorms[name] = parameters
    }

    /// The decoded model, once the END section has been read, validated as every importer's output is: whatever
    /// mode each layer's weights came in (stored, rounded or regenerated), they must be finite, and the statistics
    /// finite with variances ≥ 0.
    func model(fileBytes: Int) throws -> (model: Model, statistics: ContainerStatistics) {
        guard ended, let architecture else { throw SupermaskError("truncated: no end section") }
        var convolutions = convolutions, metadata = metadata
        if let torchSeed {
            try torchSeed.regenerate(
                &convolutions, metadata: &metadata, architecture: architecture, layers: layers, conditionedMasks: conditionedMasks)
        }
        var warnings: [String] = []
        if layers.contains(where: { $0.maskCoder != nil && !$0.weightMode.isRegenerated }) {
            warnings.append("the container stores only the kept weights; dropped weights read as 0, so per-layer weight statistics include those zeros")
        }
        let model = Model(
            architecture: architecture, convolutions: convolutions, batchNorms: batchNorms, keep: keep, metadata: metadata,
            warnings: warnings)
        try model.validate(limits: limits)
        return (model, ContainerStatistics(fileBytes: fileBytes, layers: layers))
    }
}
