import SupermaskCore
import SupermaskTorchInit

/// The torch generator of a container whose weights are stored as `torch-seed`: what `META` records after the
/// generator flag 2 (docs/format.md §3), enough to regenerate hidden-networks' initial weights bit for bit.
public struct TorchSeedRecord: Sendable, Equatable {
    /// Seed, profile, init and `scale_fan`.
    public var recipe: TorchSeedRecipe
    /// The convolutions' state-dict indices in the order the original code built them (the stream's order).
    public var constructionOrder: [Int]

    public init(recipe: TorchSeedRecipe, constructionOrder: [Int]) {
        self.recipe = recipe
        self.constructionOrder = constructionOrder
    }

    /// The record for `architecture` built in hidden-networks' order.
    public init(recipe: TorchSeedRecipe, architecture: Architecture) {
        self.init(recipe: recipe, constructionOrder: TorchDrawPlan.hiddenNetworksConstructionOrder(architecture))
    }

    /// The metadata entries a loaded torch-seed container reports, so that `inspect` and a re-export see the seed.
    public static let metadataKeys = ["torch_seed", "torch_profile", "torch_init"]

    /// `torch_seed`, `torch_profile` and `torch_init` as metadata entries (the seed in decimal text: it is a u64).
    public var metadataEntries: [(key: String, value: MetadataValue)] {
        [("torch_seed", .text(String(recipe.seed))), ("torch_profile", .text(recipe.profile.rawValue)),
         ("torch_init", .text(recipe.initialisation.rawValue))]
    }

    /// The generator for `architecture`.
    public func generator(for architecture: Architecture) throws -> TorchSeedGenerator {
        try TorchSeedGenerator(architecture: architecture, recipe: recipe, constructionOrder: constructionOrder)
    }

    func encode(into writer: inout ByteWriter) {
        writer.append(recipe.profile.rawValue)
        writer.append(recipe.seed)
        writer.append(recipe.initialisation.rawValue)
        writer.append(recipe.scaleFanPruneRate ?? 0)
        writer.append(UInt32(constructionOrder.count))
        for index in constructionOrder { writer.append(UInt32(index)) }
    }

    /// Reads the record and checks it against the (already read) architecture: a known profile this platform can
    /// compute, a known init, a prune rate in [0, 1), a permutation of the convolutions, and a plan the generator
    /// reproduces. How much it will draw is fixed by the architecture: at most 3 outputs per weight + 16 per layer.
    static func decode(_ reader: inout ByteReader, architecture: Architecture) throws -> TorchSeedRecord {
        let profileName = try reader.readString("the torch profile")
        guard let profile = TorchProfile(name: profileName) else {
            throw SupermaskError("unknown torch profile '\(profileName)'; this supermask knows \(TorchProfile.names)")
        }
        let seed = try reader.read(UInt64.self, "the torch seed")
        let initName = try reader.readString("the torch init")
        guard let initialisation = TorchInitialisation(rawValue: initName) else {
            throw SupermaskError("unknown torch init '\(initName)'")
        }
        let pruneRate = try reader.readDouble("the scale_fan prune rate")
        guard pruneRate >= 0, pruneRate < 1 else { throw SupermaskError("scale_fan prune rate \(pruneRate) is outside [0, 1)") }
        let count = try reader.read(UInt32.self, "the construction order's length")
        let convolutions = architecture.convolutions.count
        guard Int(count) == convolutions else {
            throw SupermaskError("the construction order lists \(count) convolutions; the architecture has \(convolutions)")
        }
        var order: [Int] = []
        order.reserveCapacity(convolutions)
        var seen = [Bool](repeating: false, count: convolutions)
        for _ in 0..<convolutions {
            let index = Int(try reader.read(UInt32.self, "the construction order"))
            guard index < convolutions, !seen[index] else {
                throw SupermaskError("the construction order is not a permutation of the \(convolutions) convolutions (index \(index))")
            }
            seen[index] = true
            order.append(index)
        }
        let record = TorchSeedRecord(
            recipe: TorchSeedRecipe(
                seed: seed, profile: profile, initialisation: initialisation, scaleFanPruneRate: pruneRate == 0 ? nil : pruneRate),
            constructionOrder: order)
        // Fails now, not at the first layer, for a platform without glibc or a layer torch draws another way.
        _ = try record.generator(for: architecture)
        return record
    }
}

extension TorchSeedRecord {
    /// Fills in the weights of every `torch-seed` layer of a container being read, decodes the masks coded with the
    /// initial scores (`conditionedMasks`, by layer name; docs/format.md §5.2), and reports the seed as the `torch_*`
    /// metadata entries (replacing any the file lists).
    func regenerate(
        _ convolutions: inout [String: ConvolutionParameters], metadata: inout [(key: String, value: MetadataValue)],
        architecture: Architecture, layers: [ContainerStatistics.Layer], conditionedMasks: [String: ArraySlice<UInt8>] = [:]
    ) throws {
        let regenerated = Set(layers.filter { $0.weightMode == .torchSeed }.map(\.name))
        guard !regenerated.isEmpty else { return }
        let parts: TorchSeedGenerator.Parts = conditionedMasks.isEmpty ? .weights : [.weights, .scores]
        let keptCounts = Dictionary(layers.map { ($0.name, $0.keptCount) }, uniquingKeysWith: { first, _ in first })
        try generator(for: architecture).forEachLayer(parts) { tensors in
            let convolution = tensors.layer.convolution
            let name = convolution.name
            guard regenerated.contains(name), let weights = tensors.weights else { return true }
            convolutions[name]?.weight = weights
            if let coded = conditionedMasks[name], let scores = tensors.scores, let kept = keptCounts[name] {
                do {
                    convolutions[name]?.mask = try CodedMask.decode(
                        coder: .initialScores, bytes: coded, count: convolution.weightCount, keptCount: kept,
                        side: MaskSideInformation(scores: scores, weights: weights, rowLength: convolution.fanIn))
                } catch let error as SupermaskError {
                    throw SupermaskError("convolution '\(name)': \(error.message)")
                }
            }
            return true
        }
        metadata.removeAll { Self.metadataKeys.contains($0.key) }
        metadata += metadataEntries
    }
}

extension TorchSeedRecord {
    /// The bytes the record takes in `META` (besides the generator flag).
    public var encodedByteCount: Int {
        var writer = ByteWriter()
        encode(into: &writer)
        return writer.bytes.count
    }
}
