import Testing
@testable import SupermaskCore

/// The shape walk every engine runs first, the limits' defaults, and the proof that a network which takes any input
/// size holds together at all of them.
@Suite struct NetworkShapesTests {
    /// WideResNet101_2, the largest catalogue network, at 224×224: the numbers the defaults are measured against.
    @Test func wideResNet101AtTheNominalSizeFitsTheDefaultsWithMargin() throws {
        let architecture = try #require(Architecture.named("WideResNet101_2"))
        let shapes = try architecture.validate(limits: .standard)
        #expect(shapes.output == [1000, 1, 1])
        #expect(shapes.largestActivation == 802_816)  // the stem's 64×112×112 and layer1's 256×56×56
        // torchvision lists 22.75 GMACs; the pooling windows add a little.
        #expect(shapes.multiplyAdds > 22_750_000_000 && shapes.multiplyAdds < 22_900_000_000, "\(shapes.multiplyAdds)")
        #expect(architecture.convolutions.reduce(0) { $0 + $1.weightCount } * 2 < ModelLimits.standard.weights)
        try ModelLimits.standard.checkBatch(images: 32, of: shapes, as: "a batch of 32 images")
    }

    @Test(arguments: Architecture.catalogue.map(\.name))
    func everyCatalogueNetworkValidatesAtEveryAcceptedSizeUpTo1024(name: String) throws {
        let architecture = try #require(Architecture.named(name))
        try architecture.validate(limits: .standard)
        if case .anySize = architecture.inputRule {
            for side in [1, 2, 3, 97, 1024] {
                let shapes = try NetworkShapes(architecture, input: [3, side, side])
                #expect(shapes.output == [architecture.classCount, 1, 1], "\(name) at \(side)")
                try ModelLimits.standard.checkImage(shapes)
            }
        }
    }

    @Test func aWindowLargerThanItsPaddedInputIsAnErrorNotANegativeSize() {
        let architecture = Architecture(
            name: "t", inputShape: [1, 8, 8], inputRule: .exact, classCount: 2,
            layers: [.convolution(Convolution("c", 1, 2, kernel: 5).unpadded), .globalAveragePool])
        #expect(throws: SupermaskError("convolution 'c': kernel 5 is larger than its padded input 1 at input 1×1×1")) {
            try NetworkShapes(architecture, input: [1, 1, 1])
        }
        #expect(throws: SupermaskError("average pool: kernel 4 is larger than its padded input 3 at input 2×3×3")) {
            try NetworkShapes(Architecture(name: "p", inputShape: [2, 3, 3], inputRule: .exact, classCount: 2,
                                           layers: [.averagePool(kernel: 4)]), input: [2, 3, 3])
        }
    }

    @Test func overflowingSizesAreAnError() {
        let architecture = Architecture(
            name: "t", inputShape: [1, 8, 8], inputRule: .exact, classCount: 2,
            layers: [.convolution(Convolution("c", 1, 1 << 40, kernel: 1)), .flatten])
        #expect(throws: SupermaskError("at input 1×1048576×1048576 the sizes of the network overflow")) {
            try NetworkShapes(architecture, input: [1, 1 << 20, 1 << 20])
        }
    }

    @Test func limitsNameTheirFlag() throws {
        let shapes = try NetworkShapes(try #require(Architecture.named("ResNet50")), input: [3, 224, 224])
        let tight = ModelLimits(weights: 10, imageActivations: 1000, batchActivations: 1000, multiplyAdds: 1000)
        #expect(throws: SupermaskError("the network has 25502912 weights, more than the 10 supermask accepts (--max-weights raises the limit)")) {
            try tight.checkWeights(25_502_912)
        }
        #expect(throws: SupermaskError("at input 3×224×224 the largest activation holds 802816 values, more than the 1000 per image supermask accepts (--max-activations raises the limit)")) {
            try tight.checkImage(shapes)
        }
        #expect(throws: SupermaskError.self) { try ModelLimits.standard.checkBatch(images: 335, of: shapes, as: "a batch") }
        try ModelLimits.standard.checkBatch(images: 334, of: shapes, as: "a batch")
        #expect(throws: SupermaskError.self) { try ModelLimits.standard.checkBatch(images: Int.max, of: shapes, as: "a batch") }
        #expect(throws: SupermaskError("the limit on weights is 0; it must be in 1…281474976710656")) {
            try ModelLimits(weights: 0, imageActivations: 1, batchActivations: 1, multiplyAdds: 1).validate()
        }
    }

    /// The symbolic check against brute force: for random residual blocks of windows on an input of any size, the
    /// architecture validates exactly when every input side from the smallest up to far beyond (where two stride
    /// products must have parted) gives a consistent graph with a 1×1 output.
    @Test func theEveryInputSizeCheckAgreesWithBruteForce() throws {
        var state: UInt64 = 0x5EED_1234
        func next(_ range: ClosedRange<Int>) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int(state >> 33) % (range.count)
        }
        func windows(_ prefix: String) -> [Layer] {
            (0..<next(0...3)).map { index in
                let kernel = next(1...5)
                if next(0...2) == 0 { return .maxPool(kernel: kernel, stride: next(1...3), padding: next(0...kernel / 2)) }
                var convolution = Convolution("\(prefix)\(index)", 2, 2, kernel: kernel, stride: next(1...3))
                convolution.padding = next(0...kernel - 1)
                return .convolution(convolution)
            }
        }
        /// `layers` with one window's padding or stride changed: branches that often agree at some sizes only.
        func perturbed(_ layers: [Layer]) -> [Layer] {
            guard !layers.isEmpty else { return [.maxPool(kernel: 1, stride: next(1...2), padding: 0)] }
            var copy = layers
            let index = next(0...layers.count - 1)
            switch copy[index] {
            case .convolution(var convolution):
                convolution.name += "'"
                if next(0...1) == 0 { convolution.padding = next(0...convolution.kernel - 1) } else { convolution.stride = next(1...3) }
                copy[index] = .convolution(convolution)
            case .maxPool(let kernel, let stride, _):
                copy[index] = .maxPool(kernel: kernel, stride: stride, padding: next(0...kernel / 2))
            default:
                break
            }
            return copy.map { layer in
                guard case .convolution(var convolution) = layer, !convolution.name.hasSuffix("'") else { return layer }
                convolution.name = "skip-" + convolution.name
                return .convolution(convolution)
            }
        }
        var accepted = 0, refused = 0
        for trial in 0..<400 {
            let smallest = next(1...6)
            let body = windows("body")
            let shortcut = next(0...1) == 0 ? windows("skip") : perturbed(body)
            let layers: [Layer] = windows("stem") + [.residual(body: body, shortcut: shortcut), .globalAveragePool]
            let architecture = Architecture(
                name: "random-\(trial)", inputShape: [2, 40, 40], inputRule: .anySize(minimumSide: smallest),
                classCount: 2, layers: layers)
            let validates = (try? architecture.validate(limits: .standard)) != nil
            let nominalHolds = (try? NetworkShapes(architecture, input: [2, 40, 40])) != nil
            guard nominalHolds else { continue }
            let everySizeHolds = (smallest...smallest + 2_000).allSatisfy { side in
                (try? NetworkShapes(architecture, input: [2, side, side])) != nil
            }
            #expect(validates == everySizeHolds, "trial \(trial): \(layers)")
            if validates { accepted += 1 } else { refused += 1 }
        }
        // Both verdicts must have been exercised for the comparison to mean anything.
        #expect(accepted > 20 && refused > 20, "accepted \(accepted), refused \(refused)")
    }
}

extension Convolution {
    /// The same convolution without padding.
    var unpadded: Convolution {
        var copy = self
        copy.padding = 0
        return copy
    }
}
