import SupermaskCore

/// The architecture header: the whole layer tree, so a container runs without the catalogue (and holds
/// architectures the catalogue lacks, such as the test fixtures'). Specified in docs/format.md §4.
///
/// Decoding checks only what the bytes can say on their own (dimensions, nesting, counts against the bytes left);
/// whether the graph makes sense is `Architecture.validate`'s question, which the reader asks next.
enum ArchitectureCoding {
    /// The most a `u32` dimension of the header may say (Architecture.maximumDimension, 2²⁰), so that products
    /// of a few stay far from overflowing.
    static let maximumDimension = UInt32(Architecture.maximumDimension)

    enum Tag: UInt8 {
        case convolution = 1, batchNorm, relu, maxPool, averagePool, globalAveragePool, flatten, residual
    }

    static func encode(_ architecture: Architecture) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(architecture.name)
        writer.append(UInt32(architecture.inputShape.count))
        for dimension in architecture.inputShape { writer.append(UInt32(dimension)) }
        switch architecture.inputRule {
        case .exact: writer.append(UInt8(0)); writer.append(UInt32(0))
        case .anySize(let minimumSide): writer.append(UInt8(1)); writer.append(UInt32(minimumSide))
        case .anyShapeWithSameCount: writer.append(UInt8(2)); writer.append(UInt32(0))
        }
        writer.append(UInt32(architecture.classCount))
        encode(architecture.layers, into: &writer)
        return writer.bytes
    }

    private static func encode(_ layers: [Layer], into writer: inout ByteWriter) {
        writer.append(UInt32(layers.count))
        for layer in layers {
            switch layer {
            case .convolution(let c):
                writer.append(Tag.convolution.rawValue)
                writer.append(c.name)
                for value in [c.inputChannels, c.outputChannels, c.kernel, c.stride, c.padding] { writer.append(UInt32(value)) }
            case .batchNorm(let norm):
                writer.append(Tag.batchNorm.rawValue)
                writer.append(norm.name)
                writer.append(UInt32(norm.channels))
            case .relu: writer.append(Tag.relu.rawValue)
            case .maxPool(let kernel, let stride, let padding):
                writer.append(Tag.maxPool.rawValue)
                for value in [kernel, stride, padding] { writer.append(UInt32(value)) }
            case .averagePool(let kernel):
                writer.append(Tag.averagePool.rawValue)
                writer.append(UInt32(kernel))
            case .globalAveragePool: writer.append(Tag.globalAveragePool.rawValue)
            case .flatten: writer.append(Tag.flatten.rawValue)
            case .residual(let body, let shortcut):
                writer.append(Tag.residual.rawValue)
                encode(body, into: &writer)
                encode(shortcut, into: &writer)
            }
        }
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws -> Architecture {
        var reader = ByteReader(bytes)
        let name = try reader.readString("the architecture name")
        let rank = try reader.read(UInt32.self, "the input rank")
        guard rank == 3 else { throw SupermaskError("input rank is \(rank), expected 3 (channels, height, width)") }
        let inputShape = try (0..<3).map { _ in try dimension(&reader, "the input shape") }
        let ruleTag = try reader.read(UInt8.self, "the input rule")
        let minimumSide = try reader.read(UInt32.self, "the input rule")
        let inputRule: Architecture.InputRule
        switch ruleTag {
        case 0: inputRule = .exact
        case 1: inputRule = .anySize(minimumSide: Int(minimumSide))
        case 2: inputRule = .anyShapeWithSameCount
        default: throw SupermaskError("unknown input rule \(ruleTag)")
        }
        guard ruleTag == 1 || minimumSide == 0 else {
            throw SupermaskError("input rule \(ruleTag) has a smallest side of \(minimumSide); it must be 0")
        }
        let classCount = try dimension(&reader, "the class count")
        let layers = try decodeLayers(&reader, depth: 0)
        try reader.expectEnd("the layer list")
        return Architecture(name: name, inputShape: inputShape, inputRule: inputRule, classCount: classCount, layers: layers)
    }

    private static func dimension(_ reader: inout ByteReader, _ what: String) throws -> Int {
        let value = try reader.read(UInt32.self, what)
        guard value >= 1, value <= maximumDimension else {
            throw SupermaskError("\(what) is \(value), outside 1…\(maximumDimension)")
        }
        return Int(value)
    }

    private static func decodeLayers(_ reader: inout ByteReader, depth: Int) throws -> [Layer] {
        guard depth <= Architecture.maximumNesting else {
            throw SupermaskError("residual blocks nest deeper than \(Architecture.maximumNesting)")
        }
        let count = try reader.read(UInt32.self, "a layer count")
        // Every layer takes at least one byte, so a count beyond the bytes left is a lie.
        guard Int(count) <= reader.remaining else {
            throw SupermaskError("layer count \(count) exceeds the \(reader.remaining) bytes left")
        }
        var layers: [Layer] = []
        for _ in 0..<count {
            let tagByte = try reader.read(UInt8.self, "a layer tag")
            guard let tag = Tag(rawValue: tagByte) else { throw SupermaskError("unknown layer tag \(tagByte)") }
            switch tag {
            case .convolution:
                let name = try reader.readString("a convolution name")
                let what = "convolution '\(name)'"
                let input = try dimension(&reader, what), output = try dimension(&reader, what)
                let kernel = try dimension(&reader, what), stride = try dimension(&reader, what)
                let padding = Int(try reader.read(UInt32.self, what))
                guard padding < kernel else { throw SupermaskError("\(what) has padding \(padding) for kernel \(kernel)") }
                var convolution = Convolution(name, input, output, kernel: kernel, stride: stride)
                convolution.padding = padding
                layers.append(.convolution(convolution))
            case .batchNorm:
                let name = try reader.readString("a batch-norm name")
                layers.append(.batchNorm(BatchNorm(name, channels: try dimension(&reader, "batch norm '\(name)'"))))
            case .relu: layers.append(.relu)
            case .maxPool:
                let kernel = try dimension(&reader, "a max pool"), stride = try dimension(&reader, "a max pool")
                let padding = Int(try reader.read(UInt32.self, "a max pool"))
                guard padding <= kernel / 2 else { throw SupermaskError("max pool padding \(padding) exceeds half its kernel \(kernel)") }
                layers.append(.maxPool(kernel: kernel, stride: stride, padding: padding))
            case .averagePool: layers.append(.averagePool(kernel: try dimension(&reader, "an average pool")))
            case .globalAveragePool: layers.append(.globalAveragePool)
            case .flatten: layers.append(.flatten)
            case .residual:
                let body = try decodeLayers(&reader, depth: depth + 1)
                let shortcut = try decodeLayers(&reader, depth: depth + 1)
                layers.append(.residual(body: body, shortcut: shortcut))
            }
        }
        return layers
    }
}
