import Testing
@testable import SupermaskCore

/// `Model.validate`, which every importer ends with: each way a model can be inconsistent or poisoned is refused
/// with a message naming the layer, and a sound model passes.
@Suite struct ModelValidationTests {
    /// conv "a" (2→3, 3×3) → BN "bn" → ReLU → global pool → conv "fc" (3→4, 1×1), any input of at least 1×1.
    static let architecture = Architecture(
        name: "small", inputShape: [2, 6, 6], inputRule: .anySize(minimumSide: 1), classCount: 4,
        layers: [
            .convolution(Convolution("a", 2, 3, kernel: 3)), .batchNorm(BatchNorm("bn", channels: 3)), .relu,
            .globalAveragePool, .convolution(Convolution("fc", 3, 4, kernel: 1)),
        ])

    static func model() -> Model {
        var mask = BitMask(count: 54)
        for index in stride(from: 0, to: 54, by: 3) { mask.insert(index) }
        return Model(
            architecture: architecture,
            convolutions: [
                "a": ConvolutionParameters(weight: (0..<54).map { Float($0) / 54 - 0.5 }, mask: mask, tiesAtThreshold: 2),
                "fc": ConvolutionParameters(weight: (0..<12).map { Float($0) / 12 }, mask: nil),
            ],
            batchNorms: ["bn": BatchNormParameters(runningMean: [0, 0.5, -1], runningVariance: [1, 0, 2],
                                                   scale: [1, 2, 3], shift: [0, 0, 1])],
            keep: try? KeepFraction(0.3))
    }

    private func expectRefused(_ model: Model, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: SupermaskError(message), sourceLocation: sourceLocation) { try model.validate(limits: .standard) }
    }

    @Test func aSoundModelPasses() throws {
        try Self.model().validate(limits: .standard)
    }

    @Test func missingOrMisSizedParametersAreNamed() {
        var model = Self.model()
        model.convolutions["a"] = nil
        expectRefused(model, "the model has no weights for convolution 'a'")
        model = Self.model()
        model.convolutions["fc"]?.weight.removeLast()
        expectRefused(model, "convolution 'fc' has 11 weights; its shape [4, 3, 1, 1] needs 12")
        model = Self.model()
        model.convolutions["a"]?.mask = BitMask(count: 53)
        expectRefused(model, "the mask of convolution 'a' covers 53 weights; the layer has 54")
        model = Self.model()
        model.batchNorms["bn"] = nil
        expectRefused(model, "the model has no statistics for batch norm 'bn'")
        model = Self.model()
        model.batchNorms["bn"]?.scale = [1, 2]
        expectRefused(model, "batch norm 'bn' has 3/3/2/3 values for 3 channels")
        model = Self.model()
        model.batchNorms["bn"]?.shift = nil
        expectRefused(model, "batch norm 'bn' has an affine scale without a shift or a shift without a scale")
        model = Self.model()
        model.convolutions["extra"] = ConvolutionParameters(weight: [1], mask: nil)
        expectRefused(model, "the model holds weights for 'extra', which is not a convolution of its architecture")
        model = Self.model()
        model.convolutions["a"]?.tiesAtThreshold = -1
        expectRefused(model, "convolution 'a' records -1 ties among its 54 weights")
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAndStatisticsAreRefused(value: Float) {
        var model = Self.model()
        model.convolutions["fc"]?.weight[7] = value
        expectRefused(model, "convolution 'fc' holds \(value) at flat index 7; weights must be finite")
        // A non-finite weight the mask drops would still be refused: the importer reads every weight.
        model = Self.model()
        model.convolutions["a"]?.weight[1] = value
        expectRefused(model, "convolution 'a' holds \(value) at flat index 1; weights must be finite")
        for (field, name) in [(\BatchNormParameters.runningMean, "running mean"), (\.runningVariance, "running variance")] {
            model = Self.model()
            model.batchNorms["bn"]?[keyPath: field][2] = value
            expectRefused(model, "batch norm 'bn' has \(value) in its \(name) at index 2; statistics must be finite")
        }
        model = Self.model()
        model.batchNorms["bn"]?.shift?[0] = value
        expectRefused(model, "batch norm 'bn' has \(value) in its shift at index 0; statistics must be finite")
    }

    @Test func aNegativeVarianceIsRefusedAndZeroAccepted() throws {
        var model = Self.model()
        model.batchNorms["bn"]?.runningVariance[1] = -1e-30
        expectRefused(model, "batch norm 'bn' has a negative running variance (-1e-30) at index 1")
        model.batchNorms["bn"]?.runningVariance[1] = -0.0
        try model.validate(limits: .standard)
    }

    @Test func duplicateNamesAreRefusedWhereverTheyAre() {
        var architecture = Self.architecture
        architecture.layers[4] = .convolution(Convolution("a", 3, 4, kernel: 1))
        #expect(throws: SupermaskError("two layers are called 'a'; every convolution and batch norm needs a name of its own")) {
            try architecture.validate(limits: .standard)
        }
        architecture = Self.architecture
        architecture.layers[1] = .batchNorm(BatchNorm("fc", channels: 3))
        #expect(throws: SupermaskError("two layers are called 'fc'; every convolution and batch norm needs a name of its own")) {
            try architecture.validate(limits: .standard)
        }
        architecture = Self.architecture
        architecture.layers = [.residual(body: Self.architecture.layers, shortcut: [.batchNorm(BatchNorm("bn", channels: 2))])]
        #expect(throws: SupermaskError("two layers are called 'bn'; every convolution and batch norm needs a name of its own")) {
            try architecture.validate(limits: .standard)
        }
    }

    @Test func structuralBoundsAreChecked() {
        func refused(_ change: (inout Architecture) -> Void, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            var architecture = Self.architecture
            change(&architecture)
            #expect(throws: SupermaskError(message), sourceLocation: sourceLocation) { try architecture.validate(limits: .standard) }
        }
        refused({ $0.layers[0] = .convolution(Convolution("a", 2, 3, kernel: 3).padded(3)) },
                "convolution 'a' has padding 3 for kernel 3")
        refused({ $0.layers[0] = .convolution(Convolution("a", 2, 3, kernel: 3, stride: 0)) },
                "the stride of convolution 'a' is 0, outside 1…1048576")
        refused({ $0.layers[3] = .maxPool(kernel: 3, stride: 1, padding: 2) }, "max pool padding 2 exceeds half its kernel 3")
        refused({ $0.classCount = 0 }, "the class count is 0, outside 1…1048576")
        refused({ $0.inputShape = [2, 6] }, "the input shape [2, 6] is not (channels, height, width)")
        refused({ $0.inputRule = .anySize(minimumSide: 7) },
                "the input shape [2, 6, 6] is smaller than the smallest input side 7 the network accepts")
        refused({ $0.layers = [.relu] }, "the network ends with an output of shape [2, 6, 6] but claims 4 classes (an output of [4, 1, 1])")
        refused({ architecture in
            var layers: [Layer] = [.relu]
            for _ in 0...Architecture.maximumNesting { layers = [.residual(body: layers, shortcut: [])] }
            architecture.layers = layers
        }, "residual blocks nest deeper than 8")
        refused({ $0.layers[0] = .convolution(Convolution("a", 3, 3, kernel: 3)) }, "convolution 'a' takes 3 channels but receives 2")
    }

    /// The "any input size" rule must hold at every size, not only the nominal one that a single walk checks.
    @Test func anyInputSizeIsCheckedAtEverySize() {
        // An unpadded 5×5 convolution fits 6×6 but not the 1×1 input the rule allows.
        var architecture = Self.architecture
        architecture.layers[0] = .convolution(Convolution("a", 2, 3, kernel: 5).unpadded)
        #expect(throws: SupermaskError("convolution 'a': kernel 5 is larger than its padded input 1 at the smallest input the network accepts (sides of 1)")) {
            try architecture.validate(limits: .standard)
        }
        // The same network pinned to its input size is sound.
        architecture.inputRule = .exact
        #expect((try? architecture.validate(limits: .standard)) != nil)

        // A flatten makes the classifier's input size depend on the image size.
        architecture = Self.architecture
        architecture.layers[3] = .flatten
        architecture.layers[4] = .convolution(Convolution("fc", 3 * 36, 4, kernel: 1))
        #expect(throws: SupermaskError("a flatten sees a size that depends on the input size, so the layers after it fit one input size only; such a network must take exactly its input shape")) {
            try architecture.validate(limits: .standard)
        }
        architecture.inputRule = .exact
        #expect((try? architecture.validate(limits: .standard)) != nil)

        // Branches that agree on even sides only: ⌊n/2⌋ against ⌈n/2⌉ (from a smallest side of 2, where both fit).
        architecture = Self.architecture
        architecture.inputRule = .anySize(minimumSide: 2)
        architecture.layers[3] = .residual(
            body: [.maxPool(kernel: 2, stride: 2, padding: 0)],
            shortcut: [.convolution(Convolution("down", 3, 3, kernel: 1, stride: 2))])
        architecture.layers.insert(.globalAveragePool, at: 4)
        #expect((try? NetworkShapes(architecture, input: [2, 6, 6])) != nil)
        #expect(throws: SupermaskError("a residual block's branches agree at the network's own input size but not at every size it accepts (sides of 2 or more)")) {
            try architecture.validate(limits: .standard)
        }
        #expect(throws: SupermaskError("a residual block's branches give [3, 2, 2] and [3, 3, 3] at input 2×5×5, which cannot be added")) {
            try NetworkShapes(architecture, input: [2, 5, 5])
        }

        // A network that reshapes any input of the same count must start with that reshape.
        architecture = Self.architecture
        architecture.inputRule = .anyShapeWithSameCount
        #expect(throws: SupermaskError("a network that takes any input shape with the same element count must start with a flatten")) {
            try architecture.validate(limits: .standard)
        }
    }
}

extension Convolution {
    /// The same convolution with another padding.
    func padded(_ padding: Int) -> Convolution {
        var copy = self
        copy.padding = padding
        return copy
    }
}
