import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5
import SupermaskTestSupport
import SupermaskTorchInit
import Testing
@testable import SupermaskFormat

/// Containers whose weights are a torch seed: what is regenerated equals what was exported, down to the logits.
@Suite struct TorchSeedContainerTests {
    private func logits(_ model: Model, input: Tensor) throws -> [UInt32] {
        try ReferenceForward(model: model, threads: 1).logits(for: input).scalars.map(\.bitPattern)
    }

    private func expectSameWeights(_ original: Model, _ loaded: Model, keptOnly: Bool = false) {
        for convolution in original.architecture.convolutions {
            let before = original.parameters(of: convolution), after = loaded.parameters(of: convolution)
            #expect(after.mask == before.mask, "\(convolution.name)")
            let (a, b) = keptOnly ? (before.effectiveWeight, after.effectiveWeight) : (before.weight, after.weight)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(convolution.name)")
        }
    }

    /// The FC model hidden-networks' own code built unseeded under torch 2 (avx2), converted by pth2h5.
    @Test func aTorchBuiltCheckpointRoundTripsBitForBit() throws {
        let directory = Fixture.directory.appendingPathComponent("torch-init")
        let path = directory.appendingPathComponent("fc-ukn.h5").path
        let seed = try #require(try Self.manifestSeed(of: "fc-ukn.h5", in: directory))
        let model = try CheckpointImporter.load(path: path)
        let verified = try TorchSeedSelection.verify(model: model, seed: seed)
        #expect(verified.record.recipe.profile == .torch2AVX2)  // the checkpoint is in torch's zip format
        #expect(verified.record.recipe.initialisation == .kaimingNormal)
        #expect(verified.matchingProfiles == [.torch2AVX2, .torch13AVX2])
        let (bytes, statistics) = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: verified.record)
        #expect(statistics.layers.allSatisfy { $0.weightMode == .torchSeed && $0.weightBytes == 0 })
        let (loaded, _) = try ContainerReader.decode(bytes)
        expectSameWeights(model, loaded)
        #expect(TorchSeedSelection.recorded(in: loaded)?.seed == seed)
        var random = SplitMix64(seed: 11)
        let input = Tensor(shape: [2, 1, 28, 28], scalars: (0..<2 * 784).map { _ in Float(random.nextUnit()) })
        #expect(try logits(loaded, input: input) == logits(model, input: input))
        // Exported again from the container, the record and bytes are the same.
        let again = try TorchSeedSelection.verify(model: loaded, seed: seed, keptOnly: true)
        #expect(try ContainerWriter.encode(loaded, mode: .torchSeed, torchSeed: again.record).bytes == bytes)
    }

    @Test func aWrongSeedIsRefusedNamingTheWeight() throws {
        let path = Fixture.directory.appendingPathComponent("torch-init/fc-ukn.h5").path
        let model = try CheckpointImporter.load(path: path)
        #expect {
            _ = try TorchSeedSelection.verify(model: model, seed: 5)
        } throws: { error in
            let message = (error as? SupermaskError)?.message ?? ""
            return message.hasPrefix("torch seed 5 does not regenerate the weights") && message.contains("'linear.0' weight 0 is")
        }
    }

    /// Every fixture's architecture (ResNets with `downsample` built first among them) over torch-drawn weights.
    @Test(arguments: Fixture.all)
    func torchSeedModeGivesIdenticalLogits(fixture: Fixture) throws {
        var model = try fixture.model()
        let initialisation: TorchInitialisation = fixture.`init` == "signed_constant" ? .signedConstant : .kaimingNormal
        let recipe = TorchSeedRecipe(seed: 1234, profile: .torch13AVX2, initialisation: initialisation)
        let generator = try TorchSeedGenerator(architecture: model.architecture, recipe: recipe)
        for (convolution, weights) in zip(model.architecture.convolutions, generator.weights()) {
            model.convolutions[convolution.name]?.weight = weights
        }
        let verified = try TorchSeedSelection.verify(model: model, seed: 1234, profile: .torch13AVX2)
        #expect(verified.record.recipe == recipe)
        let (bytes, _) = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: verified.record)
        let (loaded, _) = try ContainerReader.decode(bytes)
        expectSameWeights(model, loaded)
        let input = try NPY.read(contentsOf: fixture.path(".input.npy"))
        #expect(try logits(loaded, input: input) == logits(model, input: input), "\(fixture.name)")
    }

    // MARK: damaged records

    /// A container of the tiny network in torch-seed mode, and the META payload's offset of the torch record.
    private static func tinyContainer(order: [Int]? = nil) throws -> [UInt8] {
        var model = try TinyNetwork.model(initialisation: .kaimingNormal)
        let recipe = TorchSeedRecipe(seed: 9, profile: .torch2AVX2, initialisation: .kaimingNormal)
        let record = TorchSeedRecord(
            recipe: recipe, constructionOrder: order ?? TorchDrawPlan.hiddenNetworksConstructionOrder(model.architecture))
        for (convolution, weights) in zip(model.architecture.convolutions, try record.generator(for: model.architecture).weights()) {
            model.convolutions[convolution.name]?.weight = weights
        }
        return try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record).bytes
    }

    private func decodingError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try ContainerReader.decode(bytes)
            return nil
        } catch {
            return (error as? SupermaskError)?.message ?? "\(error)"
        }
    }

    /// The sections of a container: kind and payload, in order.
    private func sections(of bytes: [UInt8]) -> [(kind: UInt32, payload: [UInt8])] {
        var result: [(UInt32, [UInt8])] = []
        var offset = ContainerLayout.headerSize
        while offset < bytes.count {
            func word(_ at: Int, _ size: Int) -> UInt64 { bytes[at..<at + size].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
            let length = Int(word(offset + 8, 8))
            result.append((UInt32(word(offset, 4)), Array(bytes[(offset + 16)..<(offset + 16 + length)])))
            offset += ContainerLayout.sectionHeaderSize + length + ContainerLayout.sectionTrailerSize
        }
        return result
    }

    /// A well-formed container (lengths and CRCs right) of these sections.
    private func container(_ sections: [(kind: UInt32, payload: [UInt8])]) -> [UInt8] {
        var body = ByteWriter()
        for (index, section) in sections.enumerated() {
            let start = body.bytes.count
            body.append(section.kind)
            body.append(UInt32(index))
            body.appendBlock(section.payload)
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

    /// The container with `old` replaced by `new` in the META payload.
    private func patchingMetadata(_ bytes: [UInt8], _ old: [UInt8], _ new: [UInt8]) throws -> [UInt8] {
        var parts = sections(of: bytes)
        let payload = parts[1].payload
        let at = try #require((0...(payload.count - old.count)).first { Array(payload[$0..<$0 + old.count]) == old })
        parts[1].payload.replaceSubrange(at..<at + old.count, with: new)
        return container(parts)
    }

    @Test func theTinyContainerRegenerates() throws {
        let (model, statistics) = try ContainerReader.decode(try Self.tinyContainer())
        #expect(statistics.layers.allSatisfy { $0.weightMode == .torchSeed })
        #expect(model.metadata.filter { TorchSeedRecord.metadataKeys.contains($0.key) }.map(\.value.description) == ["9", "torch2-avx2", "kaiming-normal"])
    }

    @Test func anUnknownProfileIsRefused() throws {
        let damaged = try patchingMetadata(try Self.tinyContainer(), Array("torch2-avx2".utf8), Array("torch9-avx2".utf8))
        #expect(decodingError(damaged) == "section 1 (metadata): unknown torch profile 'torch9-avx2'; this supermask knows torch2-avx2, torch2-default, torch13-avx2")
    }

    @Test func anOrderThatIsNotAPermutationIsRefused() throws {
        // The tiny network has 4 convolutions; listing index 0 twice must fail.
        let bytes = try Self.tinyContainer(order: [0, 1, 2, 3])
        let orderBytes: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]
        let duplicate: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
        #expect(decodingError(try patchingMetadata(bytes, orderBytes, duplicate))
            == "section 1 (metadata): the construction order is not a permutation of the 4 convolutions (index 0)")
        let tooLong: [UInt8] = [5, 0, 0, 0] + orderBytes.dropFirst(4)
        #expect(decodingError(try patchingMetadata(bytes, orderBytes, tooLong))
            == "section 1 (metadata): the construction order lists 5 convolutions; the architecture has 4")
    }

    @Test func aPruneRateOutsideTheRangeIsRefused() throws {
        let bytes = try Self.tinyContainer()
        // The f64 prune rate 0.0 follows the init's name.
        let old = Array("kaiming-normal".utf8) + [UInt8](repeating: 0, count: 8)
        var new = Array("kaiming-normal".utf8)
        withUnsafeBytes(of: (1.5 as Double).bitPattern.littleEndian) { new += $0 }
        #expect(decodingError(try patchingMetadata(bytes, old, new)) == "section 1 (metadata): scale_fan prune rate 1.5 is outside [0, 1)")
    }

    @Test func torchSeedWeightsWithoutARecordAreRefused() throws {
        let bytes = try Self.tinyContainer()
        #expect(container(sections(of: bytes)) == bytes)
        // keep flag and fraction (9 bytes), then the generator flag 2 and the record up to the entry count.
        var parts = sections(of: bytes)
        let record = try TorchSeedRecord(
            recipe: TorchSeedRecipe(seed: 9, profile: .torch2AVX2, initialisation: .kaimingNormal),
            architecture: TinyNetwork.architecture)
        #expect(parts[1].payload[9] == 2)
        parts[1].payload.replaceSubrange(9..<(10 + record.encodedByteCount), with: [0])
        #expect(decodingError(container(parts)) == "section 2 (convolution 'stem'): torch-seed weights but the metadata names no torch generator")
    }

    /// The seed of the manifest case that made `file` (tools/make_torch_init_fixtures.py).
    static func manifestSeed(of file: String, in directory: URL) throws -> UInt64? {
        struct Manifest: Decodable {
            struct Case: Decodable { var file: String?; var torch_seed: String }
            var cases: [Case]
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data).cases.first { $0.file == file }.flatMap { UInt64($0.torch_seed) }
    }
}

/// What a torch-seed container costs against the information it holds.
@Suite struct TorchSeedContainerSizeTests {
    /// cResNet18 as hidden-networks draws it (ukn, torch 1.3's profile), masks from its initial scores at k = 0.3,
    /// made-up BN statistics: the container is within 2% of Σ log2 C(n, k) + the statistics as float32. Masks that are
    /// the top k of the initial scores cost next to nothing under coder 3 (docs/format.md §5.2), so it is below.
    @Test func aTorchSeedContainerIsWithinTwoPercentOfTheBound() throws {
        let architecture = try #require(Architecture.named("cResNet18"))
        let keep = try KeepFraction(0.3)
        let recipe = TorchSeedRecipe(seed: 2020, profile: .torch13AVX2, initialisation: .kaimingNormal)
        let generator = try TorchSeedGenerator(architecture: architecture, recipe: recipe)
        var convolutions: [String: ConvolutionParameters] = [:]
        var maskBits = 0.0
        for tensors in generator.generate([.weights, .scores]) {
            let (mask, ties) = BitMask.keepingLargestMagnitudes(of: try #require(tensors.scores), keep: keep)
            convolutions[tensors.layer.convolution.name] = ConvolutionParameters(
                weight: try #require(tensors.weights), mask: mask, tiesAtThreshold: ties)
            maskBits += log2BinomialCoefficient(mask.count, mask.keptCount)
        }
        var random = SplitMix64(seed: 5)
        var norms: [String: BatchNormParameters] = [:]
        for norm in architecture.batchNorms {
            norms[norm.name] = BatchNormParameters(
                runningMean: (0..<norm.channels).map { _ in Float(random.nextUnit()) - 0.5 },
                runningVariance: (0..<norm.channels).map { _ in Float(random.nextUnit()) + 0.5 })
        }
        let model = Model(
            architecture: architecture, convolutions: convolutions, batchNorms: norms, keep: keep,
            metadata: [("arch", .text("cResNet18")), ("source_format", .text("legacy"))])
        let verified = try TorchSeedSelection.verify(model: model, seed: 2020)
        #expect(verified.record.recipe == recipe)  // the legacy format puts torch 1.3 first
        let (bytes, statistics) = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: verified.record)
        let statisticsBits = Double(32 * 2 * architecture.batchNorms.reduce(0) { $0 + $1.channels })
        let ratio = Double(8 * bytes.count) / (maskBits + statisticsBits)
        #expect(ratio <= 1.02, "container / bound = \(ratio)")
        #expect(statistics.layers.allSatisfy { $0.maskCoder == .initialScores })
        #expect(try #require(statistics.masksOverBound) < 0.05)
        let (loaded, _) = try ContainerReader.decode(bytes)
        for convolution in architecture.convolutions {
            #expect(loaded.parameters(of: convolution).weight == model.parameters(of: convolution).weight)
        }
    }
}
