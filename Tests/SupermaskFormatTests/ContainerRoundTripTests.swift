import SupermaskCore
import SupermaskEngine
import SupermaskTestSupport
import Testing
@testable import SupermaskFormat

@Suite struct ContainerRoundTripTests {
    private func logits(_ model: Model, input: Tensor) throws -> [UInt32] {
        try ReferenceForward(model: model, threads: 1).logits(for: input).scalars.map(\.bitPattern)
    }

    private func expectSameSubnetwork(_ original: Model, _ loaded: Model, mode: WeightMode) {
        #expect(loaded.architecture.convolutions == original.architecture.convolutions)
        #expect(loaded.keep == original.keep)
        #expect(loaded.metadata.map(\.key) == original.metadata.map(\.key))
        for convolution in original.architecture.convolutions {
            let before = original.parameters(of: convolution), after = loaded.parameters(of: convolution)
            #expect(after.mask == before.mask, "\(convolution.name)")
            #expect(after.tiesAtThreshold == before.tiesAtThreshold)
            let same = zip(after.effectiveWeight, before.effectiveWeight).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same, "\(convolution.name) in \(mode)")
        }
        for norm in original.architecture.batchNorms {
            #expect(loaded.parameters(of: norm).runningVariance == original.parameters(of: norm).runningVariance)
        }
    }

    /// Every fixture, through every lossless mode its weights allow: identical masks, weights and logits.
    @Test(arguments: Fixture.all)
    func losslessModesGiveIdenticalLogits(fixture: Fixture) throws {
        let model = try fixture.model()
        let input = try NPY.read(contentsOf: fixture.path(".input.npy"))
        let expected = try logits(model, input: input)
        let automatic = try WeightModeSelection.resolve(nil, model: model)
        #expect(automatic.mode == (fixture.`init` == "signed_constant" ? .signed : .fp32))
        var modes: [WeightMode] = [.fp32]
        if automatic.mode == .signed { modes.append(.signed) }
        for mode in modes {
            let (bytes, statistics) = try ContainerWriter.encode(model, mode: mode)
            let (loaded, readBack) = try ContainerReader.decode(bytes)
            expectSameSubnetwork(model, loaded, mode: mode)
            #expect(try logits(loaded, input: input) == expected, "\(fixture.name) \(mode)")
            #expect(readBack.fileBytes == statistics.fileBytes)
            #expect(readBack.layers.map(\.codedMaskBytes) == statistics.layers.map(\.codedMaskBytes))
        }
    }

    /// Every fixture's architecture and masks over generator weights: seed mode regenerates the same logits.
    @Test(arguments: Fixture.all)
    func seedModeGivesIdenticalLogits(fixture: Fixture) throws {
        var model = try fixture.model()
        let initialisation: WeightGenerator.Initialisation = fixture.`init` == "signed_constant" ? .signedConstant : .kaimingNormal
        let generator = WeightGenerator(seed: 77, initialisation: initialisation)
        for (name, weights) in generator.weights(for: model.architecture) { model.convolutions[name]?.weight = weights }
        model.metadata = [
            ("generator", .text(WeightGenerator.identifier)), ("seed", .integer(77)), ("init", .text(initialisation.rawValue)),
        ]
        let choice = try WeightModeSelection.resolve(nil, model: model)
        #expect(choice.mode == .seed)
        let (bytes, _) = try ContainerWriter.encode(model, mode: .seed, generator: choice.generator)
        let (loaded, _) = try ContainerReader.decode(bytes)
        expectSameSubnetwork(model, loaded, mode: .seed)
        let input = try NPY.read(contentsOf: fixture.path(".input.npy"))
        #expect(try logits(loaded, input: input) == logits(model, input: input), "\(fixture.name)")
    }

    @Test func lossyModesRoundTheKeptWeights() throws {
        let model = try TinyNetwork.model(initialisation: .kaimingNormal)
        for mode in [WeightMode.fp16, .bf16] {
            let (loaded, _) = try ContainerReader.decode(try ContainerWriter.encode(model, mode: mode).bytes)
            for convolution in model.architecture.convolutions {
                let before = model.parameters(of: convolution), after = loaded.parameters(of: convolution)
                for index in 0..<convolution.weightCount where before.mask?[index] ?? true {
                    let value = before.weight[index]
                    let rounded = mode == .fp16 ? Float(Float16(value)) : Float(bitPattern: UInt32(KeptWeights.bfloat16Bits(value)) << 16)
                    #expect(after.weight[index] == rounded)
                    #expect(abs(after.weight[index] - value) <= abs(value) * (mode == .fp16 ? 0x1p-11 : 0x1p-8))
                }
            }
        }
    }

    @Test(arguments: WeightGenerator.Initialisation.allCases)
    func seedModeRegeneratesEveryWeight(initialisation: WeightGenerator.Initialisation) throws {
        let model = try TinyNetwork.model(seed: 11, initialisation: initialisation)
        let choice = try WeightModeSelection.resolve(nil, model: model)
        #expect(choice.mode == .seed)
        let (bytes, statistics) = try ContainerWriter.encode(model, mode: .seed, generator: choice.generator)
        #expect(statistics.layers.allSatisfy { $0.weightBytes == 0 })
        let (loaded, _) = try ContainerReader.decode(bytes)
        for convolution in model.architecture.convolutions {
            #expect(loaded.parameters(of: convolution).weight == model.parameters(of: convolution).weight)
        }
        let input = Tensor(shape: [1, 3, 8, 8], scalars: (0..<192).map { Float($0 % 17) / 17 - 0.5 })
        #expect(try logits(loaded, input: input) == logits(model, input: input))
    }

    @Test func seedIsRefusedForWeightsTheGeneratorDidNotMake() throws {
        var model = try TinyNetwork.model(seed: 11)
        #expect(throws: SupermaskError.self) { try WeightModeSelection.resolve(.seed, model: model, seedOverride: 12) }
        model.metadata.removeAll { $0.key == "generator" }
        let error = try #require(throws: SupermaskError.self) { try WeightModeSelection.resolve(.seed, model: model) }
        #expect(error.message.contains("unknown seed"))
        #expect(try WeightModeSelection.resolve(nil, model: model).mode == .signed)
    }

    @Test func signedIsRefusedForGaussianWeights() throws {
        let model = try TinyNetwork.model(initialisation: .kaimingNormal)
        var unseeded = model
        unseeded.metadata = []
        #expect(try WeightModeSelection.resolve(nil, model: unseeded).mode == .fp32)
        let error = try #require(throws: SupermaskError.self) { try WeightModeSelection.resolve(.signed, model: unseeded) }
        #expect(error.message.contains("'stem'"))
    }
}

@Suite struct SignedModeTests {
    /// hidden-networks' sign(w₀)·σ gives a 0 weight when w₀ = 0; signed mode keeps it, and −0.0 too.
    @Test func zerosAmongSignedConstantsSurvive() throws {
        var model = try TinyNetwork.model()
        var stem = try #require(model.convolutions["stem"])
        let kept = (0..<stem.weight.count).filter { stem.mask?[$0] == true }
        stem.weight[kept[0]] = 0
        stem.weight[kept[5]] = -0.0
        model.convolutions["stem"] = stem
        model.metadata = []
        #expect(try WeightModeSelection.resolve(nil, model: model).mode == .signed)
        let (loaded, _) = try ContainerReader.decode(try ContainerWriter.encode(model, mode: .signed).bytes)
        let weights = loaded.parameters(of: model.architecture.convolutions[0]).weight
        #expect(weights[kept[0]].bitPattern == Float(0).bitPattern)
        #expect(weights[kept[5]].bitPattern == Float(-0.0).bitPattern)
        #expect(kept.dropFirst(6).allSatisfy { weights[$0].bitPattern == stem.weight[$0].bitPattern })
    }
}
