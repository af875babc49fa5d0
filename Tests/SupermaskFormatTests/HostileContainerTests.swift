import Foundation
import SupermaskCore
import SupermaskEngine
import Testing
@testable import SupermaskFormat

/// Containers with valid CRCs whose contents are hostile: each is refused with one message saying what is wrong
/// before any engine sees the model, and the sound ones next to them are accepted and run.
@Suite struct HostileContainerTests {
    /// conv "a" (2→3, 3×3) → BN "bn" → ReLU → global pool → conv "fc" (3→4, 1×1), any input of at least 1×1.
    static let architecture = Architecture(
        name: "small", inputShape: [2, 6, 6], inputRule: .anySize(minimumSide: 1), classCount: 4,
        layers: [
            .convolution(Convolution("a", 2, 3, kernel: 3)), .batchNorm(BatchNorm("bn", channels: 3)), .relu,
            .globalAveragePool, .convolution(Convolution("fc", 3, 4, kernel: 1)),
        ])

    /// Deterministic weights in [−0.5, 0.5) for every convolution of `architecture`, as fp32 records.
    static func records(_ architecture: Architecture, replacing name: String? = nil, with record: [UInt8]? = nil) -> [[UInt8]] {
        architecture.convolutions.map { convolution in
            if convolution.name == name, let record { return record }
            let weights = (0..<convolution.weightCount).map { Float(($0 * 37) % 101) / 101 - 0.5 }
            return HostileContainer.convolution(convolution, fp32: weights)
        }
    }

    /// Statistics for every batch norm: mean 0.1, variance 0.9.
    static func norms(_ architecture: Architecture) -> [[UInt8]] {
        architecture.batchNorms.map {
            HostileContainer.batchNorm($0.name, mean: [Float](repeating: 0.1, count: $0.channels),
                                       variance: [Float](repeating: 0.9, count: $0.channels))
        }
    }

    private func refusal(_ bytes: [UInt8], limits: ModelLimits = .standard) -> String? {
        do {
            _ = try ContainerReader.decode(bytes, limits: limits)
            return nil
        } catch {
            return (error as? SupermaskError)?.message ?? "\(error)"
        }
    }

    @Test func theSoundFileIsAcceptedAndRuns() throws {
        let bytes = HostileContainer.file(Self.architecture, convolutions: Self.records(Self.architecture), norms: Self.norms(Self.architecture))
        let model = try ContainerReader.decode(bytes).model
        let input = Tensor(shape: [1, 2, 5, 7], scalars: (0..<70).map { Float($0 % 9) - 4 })
        let reference = try ReferenceForward(model: model).logits(for: input)
        let fast = try FastEngine(model: model, options: .init(kernelSelection: .fixed(KernelChoice(.sparse, tile: 16))))
            .logits(for: input)
        #expect(reference.shape == [1, 4])
        #expect(zip(reference.scalars, fast.scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    /// Two convolutions of one name: a reader keeping the last record for the name gave the first layer the
    /// second's weights, of another size.
    @Test func duplicateConvolutionNamesAreRefused() {
        let architecture = Architecture(
            name: "dup", inputShape: [2, 4, 4], inputRule: .exact, classCount: 4,
            layers: [.convolution(Convolution("dup", 2, 3, kernel: 1)), .convolution(Convolution("dup", 3, 4, kernel: 1)),
                     .globalAveragePool])
        #expect(refusal(HostileContainer.file(architecture, convolutions: Self.records(architecture)))
            == "section 0 (architecture): two layers are called 'dup'; every convolution and batch norm needs a name of its own")
    }

    /// Two batch norms of one name, of 2 and 4 channels: the last record won, and the first layer's scale and bias
    /// were read past the end of an 8-byte buffer.
    @Test func duplicateBatchNormNamesAreRefused() {
        let architecture = Architecture(
            name: "dup", inputShape: [2, 4, 4], inputRule: .exact, classCount: 4,
            layers: [.convolution(Convolution("a", 2, 4, kernel: 1)), .batchNorm(BatchNorm("bn", channels: 4)),
                     .convolution(Convolution("b", 4, 2, kernel: 1)), .batchNorm(BatchNorm("bn", channels: 2)),
                     .convolution(Convolution("c", 2, 4, kernel: 1)), .globalAveragePool])
        #expect(refusal(HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture)))
            == "section 0 (architecture): two layers are called 'bn'; every convolution and batch norm needs a name of its own")
    }

    /// "Any input size" with an unpadded 5×5 convolution: fine at its own 6×6, a negative output size at 1×1
    /// (SIGSEGV in the fast engine, SIGILL in the reference one). Pinned to 6×6 the same network is sound.
    @Test func aWindowThatOnlyFitsSomeInputSizesIsRefused() throws {
        var architecture = Self.architecture
        var stem = Convolution("a", 2, 3, kernel: 5)
        stem.padding = 0
        architecture.layers[0] = .convolution(stem)
        #expect(refusal(HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture)))
            == "section 0 (architecture): convolution 'a': kernel 5 is larger than its padded input 1 at the smallest input the network accepts (sides of 1)")

        architecture.inputRule = .exact
        let model = try ContainerReader.decode(
            HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture))).model
        #expect(try ReferenceForward(model: model).logits(for: Tensor(zeros: [1, 2, 6, 6])).shape == [1, 4])
        #expect(throws: SupermaskError("input shape [1, 2, 1, 1] does not fit small, which needs [1, 2, 6, 6]")) {
            try FastEngine(model: model, options: .init(kernelSelection: .measured(cache: nil))).logits(for: Tensor(zeros: [1, 2, 1, 1]))
        }
    }

    @Test func aFlattenOrResidualThatOnlyFitsSomeSizesIsRefused() {
        var architecture = Self.architecture
        architecture.layers[3] = .flatten
        architecture.layers[4] = .convolution(Convolution("fc", 108, 4, kernel: 1))
        #expect(refusal(HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture)))?
            .hasPrefix("section 0 (architecture): a flatten sees a size that depends on the input size") == true)

        // Branches that agree on even sides only (⌊n/2⌋ against ⌈n/2⌉), from a smallest side of 2.
        architecture = Self.architecture
        architecture.inputRule = .anySize(minimumSide: 2)
        architecture.layers[3] = .residual(
            body: [.maxPool(kernel: 2, stride: 2, padding: 0)],
            shortcut: [.convolution(Convolution("down", 3, 3, kernel: 1, stride: 2))])
        architecture.layers.insert(.globalAveragePool, at: 4)
        #expect(refusal(HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture)))
            == "section 0 (architecture): a residual block's branches agree at the network's own input size but not at every size it accepts (sides of 2 or more)")
    }

    /// Non-finite weights in every stored mode, refused as the `.h5` importer refuses them (they made all-zero
    /// logits with exit status 0).
    @Test(arguments: [
        (WeightMode.fp16, UInt16(0x7C00), "inf"), (.fp16, 0xFC00, "-inf"), (.fp16, 0x7E00, "nan"),
        (.bf16, 0x7F80, "inf"), (.bf16, 0x7FC0, "nan"),
    ])
    func nonFiniteHalfPrecisionWeightsAreRefused(mode: WeightMode, bits: UInt16, shown: String) {
        let fc = Convolution("fc", 3, 4, kernel: 1)
        var halves = [UInt16](repeating: 0x3C00, count: 12)
        halves[5] = bits
        let record = HostileContainer.convolution(fc, mode: mode, halves: halves)
        let bytes = HostileContainer.file(Self.architecture, convolutions: Self.records(Self.architecture, replacing: "fc", with: record),
                                          norms: Self.norms(Self.architecture))
        #expect(refusal(bytes) == "convolution 'fc' holds \(shown) at flat index 5; weights must be finite")
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteFloatWeightsAndConstantsAreRefused(value: Float) {
        let fc = Convolution("fc", 3, 4, kernel: 1)
        var weights = [Float](repeating: 0.25, count: 12)
        weights[11] = value
        var bytes = HostileContainer.file(
            Self.architecture, convolutions: Self.records(Self.architecture, replacing: "fc", with: HostileContainer.convolution(fc, fp32: weights)),
            norms: Self.norms(Self.architecture))
        #expect(refusal(bytes) == "convolution 'fc' holds \(value) at flat index 11; weights must be finite")

        // Signed mode: the layer's one constant is the value; every weight is ±it.
        var stored = ByteWriter()
        stored.append(value)
        stored.append(UInt32(0))
        stored.append(bytes: [0b0000_0101, 0])
        let signed = HostileContainer.convolution("fc", count: 12, mode: .signed, stored: stored.bytes)
        bytes = HostileContainer.file(Self.architecture, convolutions: Self.records(Self.architecture, replacing: "fc", with: signed),
                                      norms: Self.norms(Self.architecture))
        #expect(refusal(bytes) == "convolution 'fc' holds \(-value) at flat index 0; weights must be finite")
    }

    @Test func poisonedBatchNormStatisticsAreRefused() {
        func refusal(mean: [Float] = [0, 0, 0], variance: [Float] = [1, 1, 1], scale: [Float]? = nil, shift: [Float]? = nil) -> String? {
            let norm = HostileContainer.batchNorm("bn", mean: mean, variance: variance, scale: scale, shift: shift)
            return self.refusal(HostileContainer.file(Self.architecture, convolutions: Self.records(Self.architecture), norms: [norm]))
        }
        #expect(refusal() == nil)
        #expect(refusal(mean: [0, .nan, 0]) == "batch norm 'bn' has nan in its running mean at index 1; statistics must be finite")
        #expect(refusal(variance: [1, 1, -0.5]) == "batch norm 'bn' has a negative running variance (-0.5) at index 2")
        #expect(refusal(variance: [.infinity, 1, 1]) == "batch norm 'bn' has inf in its running variance at index 0; statistics must be finite")
        #expect(refusal(scale: [1, -.infinity, 1], shift: [0, 0, 0]) == "batch norm 'bn' has -inf in its scale at index 1; statistics must be finite")
        #expect(refusal(scale: [1, 1, 1], shift: [0, 0, .nan]) == "batch norm 'bn' has nan in its shift at index 2; statistics must be finite")
    }

    /// A seed-mode file a few hundred bytes long that claims more weights than the limit: refused from its
    /// architecture header, before a single weight is generated (the 271-byte file demanded 4 GiB).
    @Test func seedModeGenerationIsBoundedByTheWeightLimit() throws {
        for inputs in [16_385, 32_768] {
            let architecture = Architecture(
                name: "bomb", inputShape: [inputs, 1, 1], inputRule: .exact, classCount: 16_384,
                layers: [.convolution(Convolution("w", inputs, 16_384, kernel: 1))])
            let bytes = HostileContainer.seeded(architecture)
            #expect(bytes.count < 300)
            #expect(refusal(bytes) == "section 0 (architecture): the network has \(inputs * 16_384) weights, more than the 268435456 supermask accepts (--max-weights raises the limit)")
        }
        // The same rule for a file the generator can fill: refused under a tighter limit, accepted under the default.
        let tiny = HostileContainer.seeded(Self.architecture)
        #expect(refusal(tiny, limits: ModelLimits(weights: 65, imageActivations: 1 << 20, batchActivations: 1 << 20, multiplyAdds: 1 << 30))
            == "section 0 (architecture): the network has 66 weights, more than the 65 supermask accepts (--max-weights raises the limit)")
        #expect(refusal(tiny) == nil)
    }

    @Test func activationsAndMultiplyAddsAreBoundedFromTheHeader() {
        let wide = Architecture(
            name: "wide", inputShape: [1, 4096, 4096], inputRule: .exact, classCount: 2,
            layers: [.convolution(Convolution("a", 1, 2, kernel: 1)), .globalAveragePool])
        #expect(refusal(HostileContainer.seeded(wide))
            == "section 0 (architecture): at input 1×4096×4096 the largest activation holds 33554432 values, more than the 16777216 per image supermask accepts (--max-activations raises the limit)")
        // Raised, the same file is read (its two weights are all it stores).
        let raised = ModelLimits(weights: 1 << 28, imageActivations: 1 << 26, batchActivations: 1 << 28, multiplyAdds: 1 << 39)
        #expect(refusal(HostileContainer.seeded(wide), limits: raised) == nil)

        var kernel = Convolution("a", 1024, 1024, kernel: 15)
        kernel.padding = 7
        let costly = Architecture(
            name: "costly", inputShape: [1024, 64, 64], inputRule: .exact, classCount: 1024,
            layers: [.convolution(kernel), .globalAveragePool])
        #expect(refusal(HostileContainer.seeded(costly))?
            .contains("one image costs 966371835904 multiply-adds, more than the 549755813888 supermask accepts (--max-multiply-adds raises the limit)") == true)
    }

    @Test func theRefusalIsOneLineNamingTheFile() throws {
        var architecture = Self.architecture
        architecture.layers[1] = .batchNorm(BatchNorm("a\nfake line\u{1B}[2J", channels: 3))
        architecture.layers.append(.batchNorm(BatchNorm("a\nfake line\u{1B}[2J", channels: 4)))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID()).smask").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(
            atPath: path, contents: Data(HostileContainer.file(architecture, convolutions: Self.records(architecture), norms: Self.norms(architecture)))))
        #expect {
            try ContainerReader.load(path: path)
        } throws: { error in
            let line = "\(error)"
            return line == "\(path): section 0 (architecture): two layers are called 'a\\nfake line\\x1b[2J'; every convolution and batch norm needs a name of its own"
        }
    }
}
