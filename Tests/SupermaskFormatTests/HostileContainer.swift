import SupermaskCore
@testable import SupermaskFormat

/// `.smask` files built section by section from docs/format.md, with every length and CRC right, so that only the
/// reader's semantic checks stand between them and an engine. Records are given per position, so a file may say
/// what no `Model` can hold (two layers of one name with different sizes, say).
enum HostileContainer {
    /// A dense layer's record: name, weight count `count`, no mask, every weight kept, `mode` and its stored bytes.
    static func convolution(_ name: String, count: Int, mode: WeightMode, stored: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(name)
        writer.append(UInt64(count))
        writer.append(UInt8(0))
        writer.append(UInt64(count))
        writer.append(UInt64(0))
        writer.append(mode.rawValue)
        writer.appendBlock(stored)
        return writer.bytes
    }

    /// A dense layer's record holding `weights` as float32 (any bits, NaN included).
    static func convolution(_ convolution: Convolution, fp32 weights: [Float]) -> [UInt8] {
        var stored = ByteWriter()
        stored.append(floats: weights)
        return self.convolution(convolution.name, count: weights.count, mode: .fp32, stored: stored.bytes)
    }

    /// A dense layer's record holding `bits` as 16-bit values (`.fp16` or `.bf16`).
    static func convolution(_ convolution: Convolution, mode: WeightMode, halves bits: [UInt16]) -> [UInt8] {
        var stored = ByteWriter()
        for value in bits { stored.append(value) }
        return self.convolution(convolution.name, count: bits.count, mode: mode, stored: stored.bytes)
    }

    /// A batch norm's record; `scale` and `shift` make it affine.
    static func batchNorm(_ name: String, mean: [Float], variance: [Float], scale: [Float]? = nil, shift: [Float]? = nil) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(name)
        writer.append(UInt32(mean.count))
        writer.append(UInt8(scale == nil ? 0 : 1))
        writer.append(floats: mean)
        writer.append(floats: variance)
        if let scale, let shift {
            writer.append(floats: scale)
            writer.append(floats: shift)
        }
        return writer.bytes
    }

    /// A `META` payload without a keep fraction or entries, naming `generator` when given.
    static func metadata(generator: WeightGenerator? = nil) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(UInt8(0))
        writer.append(Double(0))
        writer.append(UInt8(generator == nil ? 0 : 1))
        if let generator {
            writer.append(WeightGenerator.identifier)
            writer.append(generator.seed)
            writer.append(generator.initialisation.rawValue)
        }
        writer.append(UInt32(0))
        return writer.bytes
    }

    /// The file: header, `ARCH` for `architecture`, `META`, the `CONV` records, the `NORM` records, `END!`, with
    /// every length and CRC computed.
    static func file(_ architecture: Architecture, metadata: [UInt8] = metadata(), convolutions: [[UInt8]],
                     norms: [[UInt8]] = []) -> [UInt8] {
        let sections: [(ContainerLayout.SectionKind, [UInt8])] =
            [(.architecture, ArchitectureCoding.encode(architecture)), (.metadata, metadata)]
            + convolutions.map { (.convolution, $0) } + norms.map { (.batchNorm, $0) } + [(.end, [])]
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
        return header.bytes + body.bytes
    }

    /// A file in seed mode for `architecture`: the records store nothing and the generator regenerates every weight,
    /// so a few hundred bytes stand for any number of weights; BN statistics are PyTorch's initial 0 and 1.
    static func seeded(_ architecture: Architecture) -> [UInt8] {
        file(architecture, metadata: metadata(generator: WeightGenerator(seed: 1, initialisation: .signedConstant)),
             convolutions: architecture.convolutions.map { convolution($0.name, count: $0.weightCount, mode: .seed, stored: []) },
             norms: architecture.batchNorms.map {
                 batchNorm($0.name, mean: [Float](repeating: 0, count: $0.channels), variance: [Float](repeating: 1, count: $0.channels))
             })
    }
}
