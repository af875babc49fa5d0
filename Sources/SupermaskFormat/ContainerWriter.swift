import SupermaskCore

/// Writes a `Model` as a `.smask` container (docs/format.md).
public enum ContainerWriter {
    /// The container of `model` with its weights stored in `mode`; `generator` is required for `.seed`, `torchSeed`
    /// for `.torchSeed`.
    ///
    /// The caller decides the mode (see `WeightModeSelection`, `TorchSeedSelection`, which verify that the seed
    /// regenerates the weights); this only checks that it can hold the data.
    public static func encode(
        _ model: Model, mode: WeightMode, generator: WeightGenerator? = nil, torchSeed: TorchSeedRecord? = nil
    ) throws -> (bytes: [UInt8], statistics: ContainerStatistics) {
        if mode == .seed, generator == nil {
            throw SupermaskError("seed mode needs the generator's seed and init")
        }
        if mode == .torchSeed, torchSeed == nil {
            throw SupermaskError("torch-seed mode needs the torch seed, profile and init")
        }
        var sections: [(ContainerLayout.SectionKind, [UInt8])] = []
        sections.append((.architecture, ArchitectureCoding.encode(model.architecture)))
        sections.append((.metadata, encodeMetadata(
            model, generator: mode == .seed ? generator : nil, torchSeed: mode == .torchSeed ? torchSeed : nil)))
        var layers: [ContainerStatistics.Layer] = []
        let conditioned = try mode == .torchSeed ? torchSeed.map { try masksCodedWithInitialScores(model, record: $0) } : nil
        for (index, convolution) in model.architecture.convolutions.enumerated() {
            let (payload, layer) = try encodeConvolution(
                convolution, model.parameters(of: convolution), mode: mode, coded: conditioned?[index])
            sections.append((.convolution, payload))
            layers.append(layer)
        }
        for norm in model.architecture.batchNorms {
            sections.append((.batchNorm, encodeBatchNorm(norm, model.parameters(of: norm))))
        }
        sections.append((.end, []))

        var body = ByteWriter()
        for (index, (kind, payload)) in sections.enumerated() {
            let start = body.bytes.count
            body.append(kind.rawValue)
            body.append(UInt32(index))
            body.appendBlock(payload)
            body.append(Zlib.crc32(body.bytes[start...]))
        }
        var header = ByteWriter()
        header.append(bytes: ContainerLayout.magic)
        header.append(ContainerLayout.majorVersion)
        header.append(ContainerLayout.minorVersion)
        header.append(UInt32(sections.count))
        header.append(UInt64(ContainerLayout.headerSize + body.bytes.count))
        header.append(Zlib.crc32(header.bytes[...]))
        let bytes = header.bytes + body.bytes
        return (bytes, ContainerStatistics(fileBytes: bytes.count, layers: layers))
    }

    private static func encodeMetadata(_ model: Model, generator: WeightGenerator?, torchSeed: TorchSeedRecord?) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(UInt8(model.keep == nil ? 0 : 1))
        writer.append(model.keep?.value ?? 0)
        writer.append(UInt8(generator != nil ? 1 : torchSeed != nil ? 2 : 0))
        if let generator {
            writer.append(WeightGenerator.identifier)
            writer.append(generator.seed)
            writer.append(generator.initialisation.rawValue)
        }
        torchSeed?.encode(into: &writer)
        // A reader reports the torch record as these entries; storing them too would say it twice.
        let entries = torchSeed == nil ? model.metadata : model.metadata.filter { !TorchSeedRecord.metadataKeys.contains($0.key) }
        writer.append(UInt32(entries.count))
        for (key, value) in entries {
            writer.append(key)
            switch value {
            case .integer(let integer): writer.append(UInt8(0)); writer.append(integer)
            case .real(let real): writer.append(UInt8(1)); writer.append(real)
            case .text(let text): writer.append(UInt8(2)); writer.append(text)
            }
        }
        return writer.bytes
    }

    /// `coded`: the mask's smallest coding when already chosen (with the initial scores), else computed here.
    private static func encodeConvolution(
        _ convolution: Convolution, _ parameters: ConvolutionParameters, mode: WeightMode, coded precomputed: CodedMask?
    ) throws -> ([UInt8], ContainerStatistics.Layer) {
        var writer = ByteWriter()
        writer.append(convolution.name)
        writer.append(UInt64(convolution.weightCount))
        writer.append(UInt8(parameters.mask == nil ? 0 : 1))
        writer.append(UInt64(parameters.keptCount))
        writer.append(UInt64(parameters.tiesAtThreshold))
        var coded: CodedMask?
        if let mask = parameters.mask {
            let smallest = precomputed ?? CodedMask.smallest(mask)
            writer.append(smallest.coder.rawValue)
            writer.append(UInt64((mask.count + 7) / 8))
            writer.appendBlock(smallest.bytes)
            coded = smallest
        }
        let kept = KeptWeights.kept(parameters.weight, mask: parameters.mask)
        let weights: [UInt8]
        do {
            weights = try KeptWeights.encode(kept, mode: mode)
        } catch let error as SupermaskError {
            throw SupermaskError("convolution '\(convolution.name)' cannot be stored as \(mode): \(error.message)")
        }
        writer.append(mode.rawValue)
        writer.appendBlock(weights)
        let layer = ContainerStatistics.Layer(
            name: convolution.name, weightCount: convolution.weightCount, keptCount: parameters.keptCount,
            maskCoder: coded?.coder, rawMaskBytes: parameters.mask == nil ? 0 : (convolution.weightCount + 7) / 8,
            codedMaskBytes: coded?.bytes.count ?? 0, weightBytes: weights.count, weightMode: mode)
        return (writer.bytes, layer)
    }

    private static func encodeBatchNorm(_ norm: BatchNorm, _ parameters: BatchNormParameters) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(norm.name)
        writer.append(UInt32(norm.channels))
        let affine = parameters.scale != nil && parameters.shift != nil
        writer.append(UInt8(affine ? 1 : 0))
        writer.append(floats: parameters.runningMean)
        writer.append(floats: parameters.runningVariance)
        if affine, let scale = parameters.scale, let shift = parameters.shift {
            writer.append(floats: scale)
            writer.append(floats: shift)
        }
        return writer.bytes
    }
}
