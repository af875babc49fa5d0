import SupermaskCore
import Testing
@testable import SupermaskEngine

/// Engines never trust a `Model`: models built in code, unvalidated, with every inconsistency an engine could trip
/// over. Each must be a thrown error from both engines — before the fast engine plans or times a kernel — never an
/// index out of range, a precondition or a negative allocation.
@Suite struct UntrustedModelTests {
    /// conv "a" (2→3, 3×3) → BN "bn" → ReLU → global pool → conv "fc" (3→4, 1×1), any input of at least 1×1.
    static func model() -> Model {
        let architecture = Architecture(
            name: "small", inputShape: [2, 6, 6], inputRule: .anySize(minimumSide: 1), classCount: 4,
            layers: [
                .convolution(Convolution("a", 2, 3, kernel: 3)), .batchNorm(BatchNorm("bn", channels: 3)), .relu,
                .globalAveragePool, .convolution(Convolution("fc", 3, 4, kernel: 1)),
            ])
        return Model(
            architecture: architecture,
            convolutions: [
                "a": ConvolutionParameters(weight: (0..<54).map { Float($0 % 7) / 7 - 0.4 }, mask: nil),
                "fc": ConvolutionParameters(weight: (0..<12).map { Float($0) / 12 - 0.5 }, mask: nil),
            ],
            batchNorms: ["bn": BatchNormParameters(runningMean: [0, 0.1, 0.2], runningVariance: [1, 2, 3],
                                                   scale: [1, 1, 1], shift: [0, 0, 0])],
            keep: nil)
    }

    static let input = Tensor(shape: [2, 2, 6, 6], scalars: (0..<144).map { Float($0 % 11) / 11 })

    /// Both engines, the fast one timing its kernels (without a cache) as `supermask infer` does.
    static func engines(_ model: Model, limits: ModelLimits = .standard, threads: Int = 2) -> [any InferenceEngine] {
        [ReferenceForward(model: model, threads: threads, limits: limits),
         FastEngine(model: model, options: .init(threads: threads, kernelSelection: .measured(cache: nil), limits: limits))]
    }

    private func expectBothEnginesRefuse(_ model: Model, input: Tensor = input, limits: ModelLimits = .standard,
                                         threads: Int = 2, _ message: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) {
        for engine in Self.engines(model, limits: limits, threads: threads) {
            #expect(throws: SupermaskError(message), "\(type(of: engine))", sourceLocation: sourceLocation) {
                try engine.logits(for: input)
            }
        }
    }

    @Test func theSoundModelRunsOnBoth() throws {
        let outputs = try Self.engines(Self.model()).map { try $0.logits(for: Self.input) }
        #expect(outputs[0].shape == [2, 4])
        #expect(zip(outputs[0].scalars, outputs[1].scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func missingOrMisSizedParametersAreErrors() {
        var model = Self.model()
        model.batchNorms["bn"] = nil
        expectBothEnginesRefuse(model, "the model has no statistics for batch norm 'bn'")
        model = Self.model()
        model.batchNorms["bn"]?.scale = [1, 1]
        expectBothEnginesRefuse(model, "batch norm 'bn' has 3/3/2/3 values for 3 channels")
        model = Self.model()
        model.convolutions["a"]?.weight.removeLast(10)
        expectBothEnginesRefuse(model, "convolution 'a' has 44 weights; its shape [3, 2, 3, 3] needs 54")
        model = Self.model()
        model.convolutions["fc"] = nil
        expectBothEnginesRefuse(model, "the model has no weights for convolution 'fc'")
        model = Self.model()
        model.convolutions["a"]?.mask = BitMask(count: 8)
        expectBothEnginesRefuse(model, "the mask of convolution 'a' covers 8 weights; the layer has 54")
    }

    @Test func channelMismatchesAreErrors() {
        var model = Self.model()
        model.architecture.layers[1] = .batchNorm(BatchNorm("bn", channels: 5))
        model.batchNorms["bn"] = BatchNormParameters(runningMean: [0, 0, 0, 0, 0], runningVariance: [1, 1, 1, 1, 1])
        expectBothEnginesRefuse(model, "batch norm 'bn' has 5 channels but receives 3")
        model = Self.model()
        model.architecture.layers[4] = .convolution(Convolution("fc", 6, 2, kernel: 1))
        model.convolutions["fc"]?.weight = [Float](repeating: 0.5, count: 12)
        expectBothEnginesRefuse(model, "convolution 'fc' takes 6 channels but receives 3")
    }

    /// The crash: "any input size" and an unpadded 5×5 convolution, run on a 1×1 input. The fast engine's
    /// plan for 6×6 is made in its initialiser; the 1×1 plan must be refused before any kernel is timed.
    @Test func aNegativeOutputSizeIsAnError() {
        var model = Self.model()
        var stem = Convolution("a", 2, 3, kernel: 5)
        stem.padding = 0
        model.architecture.layers[0] = .convolution(stem)
        model.convolutions["a"]?.weight = [Float](repeating: 0.1, count: 150)
        expectBothEnginesRefuse(model, input: Tensor(zeros: [1, 2, 1, 1]),
                                "convolution 'a': kernel 5 is larger than its padded input 1 at input 2×1×1")
        // At its own size the inconsistent-elsewhere model still runs: the engines check the size they are given.
        for engine in Self.engines(model) { #expect((try? engine.logits(for: Self.input))?.shape == [2, 4]) }
    }

    @Test func aNominalShapeThatDoesNotHoldIsNeverPlanned() {
        var model = Self.model()
        model.architecture.layers.insert(.averagePool(kernel: 7), at: 3)
        // The fast engine's initialiser plans 2×6×6 at once; it must not trap, and running must say why.
        expectBothEnginesRefuse(model, "average pool: kernel 7 is larger than its padded input 6 at input 2×6×6")
    }

    @Test func residualBranchesThatDoNotMeetAreAnError() {
        var model = Self.model()
        model.architecture.layers[3] = .residual(body: [.maxPool(kernel: 2, stride: 2, padding: 0)], shortcut: [])
        model.architecture.layers.insert(.globalAveragePool, at: 4)
        expectBothEnginesRefuse(model, "a residual block's branches give [3, 3, 3] and [3, 6, 6] at input 2×6×6, which cannot be added")
    }

    @Test func batchesAndThreadsAreBoundedByTheLimits() throws {
        let tight = ModelLimits(weights: 1 << 20, imageActivations: 108, batchActivations: 250, multiplyAdds: 1 << 20)
        // One image's largest activation is the 3×6×6 = 108 after the stem: two images fit, three do not.
        let one = Tensor(shape: [1, 2, 6, 6], scalars: Array(Self.input.scalars.prefix(72)))
        for engine in Self.engines(Self.model(), limits: tight, threads: 1) {
            #expect((try? engine.logits(for: one)) != nil)
            #expect(throws: SupermaskError("a batch of 3 images at input 2×6×6 hold 3 × 108 activation values at once, more than the 250 supermask accepts (--max-batch-activations raises the limit)")) {
                try engine.logits(for: Tensor(zeros: [3, 2, 6, 6]))
            }
        }
        // Each fast-engine thread holds an image: three threads are a batch of three.
        let threaded = FastEngine(model: Self.model(), options: .init(threads: 3, kernelSelection: .measured(cache: nil), limits: tight))
        #expect(throws: SupermaskError("3 threads (one image each) at input 2×6×6 hold 3 × 108 activation values at once, more than the 250 supermask accepts (--max-batch-activations raises the limit)")) {
            try threaded.logits(for: one)
        }
        expectBothEnginesRefuse(Self.model(), input: Tensor(zeros: [1, 2, 7, 7]), limits: tight, threads: 1,
                                "at input 2×7×7 the largest activation holds 147 values, more than the 108 per image supermask accepts (--max-activations raises the limit)")
    }

    @Test func threadCountsAreClamped() throws {
        #expect(FastEngine.Options(threads: .max).threads == EngineThreads.maximum)
        #expect(FastEngine.Options(threads: -3).threads == 1)
        let logits = try ReferenceForward(model: Self.model(), threads: .max).logits(for: Self.input)
        #expect(logits.shape == [2, 4])
    }

    @Test func aTensorWhoseShapeDisagreesWithItsValuesIsAnError() {
        var input = Self.input
        input.shape = [3, 2, 6, 6]
        expectBothEnginesRefuse(Self.model(), input: input, "input shape [3, 2, 6, 6] does not match its 144 values")
    }

    /// The kernels take offsets as 32-bit integers: a layer whose offsets could pass 2³⁰ is refused for the fast
    /// engine (the reference engine indexes with `Int`), while the largest catalogue layers are far below.
    @Test func layersBeyondThirtyTwoBitOffsetsAreRefused() throws {
        try ConvolutionWeights.checkIndexRange(Convolution("conv1", 3, 64, kernel: 7, stride: 2),
                                               inputShape: ActivationShape(channels: 3, height: 1024, width: 1024))
        try ConvolutionWeights.checkIndexRange(Convolution("layer1.0.conv2", 128, 128, kernel: 3),
                                               inputShape: ActivationShape(channels: 128, height: 256, width: 256))
        #expect(throws: SupermaskError("convolution 'big' at input 512×300×300 is too large for the fast engine's 32-bit offsets; use --engine reference")) {
            try ConvolutionWeights.checkIndexRange(Convolution("big", 512, 8, kernel: 7),
                                                   inputShape: ActivationShape(channels: 512, height: 300, width: 300))
        }
        #expect(throws: SupermaskError.self) {
            try ConvolutionWeights.checkIndexRange(Convolution("many", 1 << 16, 1 << 16, kernel: 1),
                                                   inputShape: ActivationShape(channels: 1 << 16, height: 1, width: 1))
        }
    }
}
