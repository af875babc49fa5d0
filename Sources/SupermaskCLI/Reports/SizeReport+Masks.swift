import SupermaskCore
import SupermaskFormat

extension SizeReport {
    /// One masked layer's coded mask against what it holds.
    struct MaskLayer: Encodable {
        var name: String
        var weights: Int
        var kept: Int
        /// log2 C(n, k).
        var boundBits: Double
        /// The mask as the container stores it (for an .h5: as `export --weights auto` would).
        var codedBits: Int
        var coder: String
        /// Coded with the initial scores competing (docs/format.md §5.2), when the torch seed is known.
        var initialScoresBits: Int?
    }

    /// Each masked layer's coded size, bound and, when known, its size coded with the initial scores.
    static func maskLayers(_ statistics: ContainerStatistics, initialScoresBytes: [Int]?) -> [MaskLayer] {
        statistics.layers.enumerated().compactMap { index, layer in
            guard let coder = layer.maskCoder else { return nil }
            return MaskLayer(
                name: layer.name, weights: layer.weightCount, kept: layer.keptCount, boundBits: layer.maskBoundBits,
                codedBits: layer.codedMaskBits, coder: coder.description, initialScoresBits: initialScoresBytes.map { 8 * $0[index] })
        }
    }

    /// Every convolution's mask bytes when coded with the initial scores (0 for a dense layer): a torch-seed
    /// container's own (its writer let the initial-scores coder compete), else computed under the verified record of
    /// a model whose recorded seed regenerates it, else `nil`.
    static func masksCodedWithInitialScores(
        _ model: Model, statistics: ContainerStatistics?, record: TorchSeedRecord?
    ) throws -> [Int]? {
        if let statistics, statistics.layers.contains(where: { $0.weightMode == .torchSeed }) {
            return statistics.layers.map(\.codedMaskBytes)
        }
        guard let record else { return nil }
        let sizes = try MaskCodingSizes.withInitialScores(model, record: record)
        return model.architecture.convolutions.indices.map { sizes[$0]?.bytes ?? 0 }
    }

    /// The per-layer mask table of `supermask size`, with a total line.
    var maskText: [String] {
        guard !masks.isEmpty else { return [] }
        // The initial-scores columns only say something new when the stored masks were coded without them.
        let conditioned = masks.allSatisfy { $0.initialScoresBits != nil } && masks.contains { $0.initialScoresBits != $0.codedBits }
        func ratio(_ bits: Int, _ bound: Double) -> String { bound > 0 ? String(format: "%.4f", Double(bits) / bound) : "—" }
        var header = ["mask", "weights", "kept", "log2 C(n, k)", "stored bits", "coder", "stored/bound"]
        if conditioned { header += ["initial-scores bits", "/bound"] }
        var rows = masks.map { layer -> [String] in
            var row = [
                layer.name.escapedForDisplay(limit: 80), grouped(layer.weights), grouped(layer.kept), grouped(Int(layer.boundBits.rounded())),
                grouped(layer.codedBits), layer.coder, ratio(layer.codedBits, layer.boundBits),
            ]
            if conditioned, let bits = layer.initialScoresBits { row += [grouped(bits), ratio(bits, layer.boundBits)] }
            return row
        }
        let bound = masks.reduce(0) { $0 + $1.boundBits }, coded = masks.reduce(0) { $0 + $1.codedBits }
        var total = [
            "total", grouped(masks.reduce(0) { $0 + $1.weights }), grouped(masks.reduce(0) { $0 + $1.kept }),
            grouped(Int(bound.rounded())), grouped(coded), "", ratio(coded, bound),
        ]
        if conditioned {
            let bits = masks.reduce(0) { $0 + ($1.initialScoresBits ?? 0) }
            total += [grouped(bits), ratio(bits, bound)]
        }
        rows.append(total)
        return table(header: header, rows: rows, rightAligned: [1, 2, 3, 4, 6, 7, 8])
    }
}
