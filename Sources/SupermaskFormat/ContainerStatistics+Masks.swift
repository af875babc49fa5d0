import SupermaskCore

extension ContainerStatistics.Layer {
    /// log2 C(n, k): what the layer's mask holds if every choice of k weights were equally likely (0 when dense).
    public var maskBoundBits: Double { maskCoder == nil ? 0 : log2BinomialCoefficient(weightCount, keptCount) }

    /// The stored mask in bits.
    public var codedMaskBits: Int { 8 * codedMaskBytes }
}

extension ContainerStatistics {
    /// Σ log2 C(n, k) over the masked layers.
    public var maskBoundBits: Double { layers.reduce(0) { $0 + $1.maskBoundBits } }

    /// The stored masks in bits.
    public var codedMaskBits: Int { layers.reduce(0) { $0 + $1.codedMaskBits } }

    /// The stored masks over Σ log2 C(n, k), or `nil` when the bound is 0 (no masks, or none that leaves a choice).
    public var masksOverBound: Double? {
        let bound = maskBoundBits
        return bound > 0 ? Double(codedMaskBits) / bound : nil
    }
}

/// The mask codings `supermask size` compares, computed for any model.
public enum MaskCodingSizes {
    /// The bytes of the smallest coding of `mask` among those that need no side information (raw, Deflate,
    /// enumerative).
    public static func withoutSideInformation(_ mask: BitMask) -> (coder: MaskCoder, bytes: Int) {
        let coded = CodedMask.smallest(mask)
        return (coded.coder, coded.bytes.count)
    }

    /// For every masked layer, by state-dict index, the smallest coding when the initial-scores coder competes: what a
    /// torch-seed container of `model` under `record` stores.
    public static func withInitialScores(_ model: Model, record: TorchSeedRecord) throws -> [Int: (coder: MaskCoder, bytes: Int)] {
        try ContainerWriter.masksCodedWithInitialScores(model, record: record).mapValues { ($0.coder, $0.bytes.count) }
    }
}
