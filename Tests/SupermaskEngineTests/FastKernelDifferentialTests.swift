import Testing
import SupermaskCore
import SupermaskEngine

/// Every kernel of the planned engine against the reference forward pass on random one-layer and one-block
/// networks: odd sizes, strides 1 and 2, padding, densities 0 to 1, ternary and valued weights.
@Suite struct FastKernelDifferentialTests {
    /// A deterministic generator so that failures reproduce.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    /// One random layer shape and weight distribution.
    struct Case: CustomTestStringConvertible {
        var seed: UInt64
        var inputChannels: Int
        var outputChannels: Int
        var kernel: Int
        var stride: Int
        var height: Int
        var width: Int
        var density: Double
        var ternary: Bool
        var testDescription: String {
            "\(inputChannels)→\(outputChannels) k\(kernel) s\(stride) \(height)×\(width) density \(density)"
                + (ternary ? " ternary" : " valued")
        }
    }

    static let cases: [Case] = {
        var generator = Generator(state: 42)
        var result: [Case] = []
        let densities = [0, 0.05, 0.3, 0.7, 1]
        for index in 0..<20 {
            result.append(Case(
                seed: UInt64(index), inputChannels: Int.random(in: 1...9, using: &generator),
                outputChannels: Int.random(in: 1...13, using: &generator), kernel: [1, 3, 5, 7][index % 4],
                stride: 1 + index % 2, height: Int.random(in: 1...19, using: &generator),
                width: Int.random(in: 1...23, using: &generator), density: densities[index % densities.count],
                ternary: index % 3 != 0))
        }
        // Wide planes so that several tiles (and a partial last tile) occur for every tile size.
        result.append(Case(seed: 100, inputChannels: 5, outputChannels: 9, kernel: 1, stride: 1, height: 11,
                           width: 17, density: 0.3, ternary: true))
        result.append(Case(seed: 101, inputChannels: 4, outputChannels: 6, kernel: 3, stride: 1, height: 13,
                           width: 10, density: 0.5, ternary: false))
        // Deep enough (depth 540 > 8192 / tile rows for every tile) that blocked lists split into several blocks.
        result.append(Case(seed: 102, inputChannels: 60, outputChannels: 5, kernel: 3, stride: 1, height: 6,
                           width: 7, density: 0.3, ternary: true))
        result.append(Case(seed: 103, inputChannels: 60, outputChannels: 7, kernel: 3, stride: 2, height: 9,
                           width: 8, density: 0.3, ternary: false))
        // A single output position (a fully connected layer), deep enough that blocked lists split: the scalar
        // list kernel, direct and gathered.
        result.append(Case(seed: 104, inputChannels: 600, outputChannels: 11, kernel: 1, stride: 1, height: 1,
                           width: 1, density: 0.3, ternary: true))
        result.append(Case(seed: 105, inputChannels: 600, outputChannels: 6, kernel: 1, stride: 1, height: 1,
                           width: 1, density: 0.3, ternary: false))
        return result
    }()

    /// Every method and tile, gathered, direct and shifted, and with blocked lists and channels-outer order
    /// (gathered lists carry zero-row padding that both must handle).
    static let choices: [KernelChoice] = KernelChoice.Method.allCases.flatMap { method in
        KernelChoice.tiles.flatMap {
            [KernelChoice(method, tile: $0), KernelChoice(method, tile: $0, direct: true),
             KernelChoice(method, tile: $0, blocked: true), KernelChoice(method, tile: $0, direct: true, blocked: true),
             KernelChoice(method, tile: $0, channelsOuter: true, blocked: true),
             KernelChoice(method, tile: $0, shifted: true), KernelChoice(method, tile: $0, blocked: true, shifted: true)]
        }
    }

    /// Random weights of `convolution` with about `density` of them nonzero; ternary ones are ±c.
    static func weights(_ convolution: Convolution, density: Double, ternary: Bool,
                        using generator: inout Generator) -> [Float] {
        let c = Float(0.5 / Double(convolution.fanIn).squareRoot())
        return (0..<convolution.weightCount).map { _ in
            guard Double.random(in: 0..<1, using: &generator) < density else { return 0 }
            let sign: Float = Bool.random(using: &generator) ? 1 : -1
            return ternary ? sign * c : Float.random(in: -2 * c...2 * c, using: &generator)
        }
    }

    static func norm(channels: Int, using generator: inout Generator) -> BatchNormParameters {
        BatchNormParameters(
            runningMean: (0..<channels).map { _ in Float.random(in: -0.2...0.2, using: &generator) },
            runningVariance: (0..<channels).map { _ in Float.random(in: 0.05...2, using: &generator) })
    }

    static func input(_ shape: [Int], using generator: inout Generator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// The fast engine's output on `table` for every kernel choice, against the reference forward pass and
    /// against the scalar reference kernels run on the same layout: a batch at 1 and 2 threads (image by image) and
    /// one image at 2 threads (every layer shared between the workers).
    static func expectAllKernelsMatchReference(_ model: Model, input: Tensor, table: InstructionSet) throws {
        let expected = try ReferenceForward(model: model).logits(for: input)
        let largest = max(expected.scalars.map(\.magnitude).max() ?? 0, 1e-6)
        let imageCount = input.shape.dropFirst().reduce(1, *)
        let first = Tensor(shape: [1] + input.shape.dropFirst(), scalars: Array(input.scalars.prefix(imageCount)))
        func relativeError(_ output: Tensor, _ oracle: [Float]) -> Float {
            guard output.scalars.count == oracle.count else { return .infinity }
            return (zip(output.scalars, oracle).map { ($0 - $1).magnitude }.max() ?? 0) / largest
        }
        for choice in choices {
            let specification = try FastEngine(model: model, options: .init(
                instructionSet: .reference, kernelSelection: .fixed(choice))).logits(for: input)
            #expect(relativeError(specification, expected.scalars) <= 1e-5, "reference kernels \(choice)")
            for threads in [1, 2] {
                let engine = FastEngine(model: model, options: .init(
                    threads: threads, instructionSet: table, kernelSelection: .fixed(choice)))
                #expect(engine.options.instructionSet == table)
                let output = try engine.logits(for: input)
                #expect(output.shape == expected.shape)
                let error = relativeError(output, expected.scalars)
                #expect(error <= 1e-5, "\(table) \(choice) \(threads)T: relative error \(error) to the reference forward pass")
                let kernelError = relativeError(output, specification.scalars)
                #expect(kernelError <= 1e-5, "\(table) \(choice) \(threads)T: relative error \(kernelError) to the reference kernels")
            }
            let engine = FastEngine(model: model, options: .init(
                threads: 2, instructionSet: table, kernelSelection: .fixed(choice)))
            let single = try engine.logits(for: first)
            let error = relativeError(single, Array(expected.scalars.prefix(single.scalars.count)))
            #expect(single.shape[0] == 1 && error <= 1e-5, "\(table) \(choice) batch 1, 2T: relative error \(error)")
        }
    }

    /// A random one-layer net (conv → BN → ReLU) of `testCase`'s shape.
    static func oneLayerModel(_ testCase: Case) -> (Model, Tensor) {
        var generator = Generator(state: testCase.seed &+ 7)
        let convolution = Convolution("conv", testCase.inputChannels, testCase.outputChannels, kernel: testCase.kernel,
                                      stride: testCase.stride)
        let architecture = Architecture(
            name: "one-layer", inputShape: [testCase.inputChannels, testCase.height, testCase.width], inputRule: .exact,
            classCount: 0, layers: [.convolution(convolution), .batchNorm(BatchNorm("bn", channels: testCase.outputChannels)), .relu])
        let model = Model(
            architecture: architecture,
            convolutions: ["conv": ConvolutionParameters(weight: Self.weights(
                convolution, density: testCase.density, ternary: testCase.ternary, using: &generator), mask: nil)],
            batchNorms: ["bn": Self.norm(channels: testCase.outputChannels, using: &generator)], keep: nil)
        let input = Self.input([2, testCase.inputChannels, testCase.height, testCase.width], using: &generator)
        return (model, input)
    }

    @Test("AVX-512 kernels: one layer", .enabled(if: InstructionSet.avx512.isSupported,
          "this CPU lacks a feature the AVX-512 table is compiled for (see CPUDispatchTests)"),
          arguments: cases)
    func avx512OneLayer(_ testCase: Case) throws {
        let (model, input) = Self.oneLayerModel(testCase)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .avx512)
    }

    @Test("AVX2 kernels: one layer", .enabled(if: InstructionSet.avx2.isSupported,
          "this CPU lacks a feature the AVX2 table is compiled for (see CPUDispatchTests)"),
          arguments: cases)
    func avx2OneLayer(_ testCase: Case) throws {
        let (model, input) = Self.oneLayerModel(testCase)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .avx2)
    }

    @Test("Portable kernels: one layer", arguments: cases)
    func portableOneLayer(_ testCase: Case) throws {
        let (model, input) = Self.oneLayerModel(testCase)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .portable)
    }

    /// A random net of a stem, max pooling, one residual block (projection or identity shortcut), global pooling
    /// and a fully connected layer.
    static func residualBlockModel(projectionShortcut: Bool) -> (Model, Tensor) {
        var generator = Generator(state: projectionShortcut ? 3 : 4)
        let (channels, width) = (6, projectionShortcut ? 8 : 6)
        let convolutions = [
            Convolution("stem", 3, channels, kernel: 3), Convolution("a", channels, 5, kernel: 1),
            Convolution("b", 5, 5, kernel: 3, stride: projectionShortcut ? 2 : 1), Convolution("c", 5, width, kernel: 1),
            Convolution("down", channels, width, kernel: 1, stride: 2), Convolution("fc", width, 7, kernel: 1),
        ]
        var body: [Layer] = []
        for convolution in convolutions[1...3] {
            body += [.convolution(convolution), .batchNorm(BatchNorm(convolution.name + ".bn", channels: convolution.outputChannels)), .relu]
        }
        body.removeLast()
        // Without a projection the shortcut is the identity, so the block keeps its input's shape.
        let shortcut: [Layer] = projectionShortcut
            ? [.convolution(convolutions[4]), .batchNorm(BatchNorm("down.bn", channels: width))] : []
        let layers: [Layer] = [
            .convolution(convolutions[0]), .batchNorm(BatchNorm("stem.bn", channels: channels)), .relu,
            .maxPool(kernel: 3, stride: 1, padding: 1),
            .residual(body: body, shortcut: shortcut), .relu, .globalAveragePool, .convolution(convolutions[5]),
        ]
        let architecture = Architecture(name: "block", inputShape: [3, 9, 11], inputRule: .exact, classCount: 7, layers: layers)
        var parameters: [String: ConvolutionParameters] = [:]
        var norms: [String: BatchNormParameters] = [:]
        for convolution in convolutions where projectionShortcut || convolution.name != "down" {
            parameters[convolution.name] = ConvolutionParameters(
                weight: Self.weights(convolution, density: 0.4, ternary: convolution.name != "b", using: &generator), mask: nil)
        }
        for norm in architecture.batchNorms { norms[norm.name] = Self.norm(channels: norm.channels, using: &generator) }
        let model = Model(architecture: architecture, convolutions: parameters, batchNorms: norms, keep: nil)
        return (model, Self.input([3, 3, 9, 11], using: &generator))
    }


    @Test("AVX-512 kernels: residual block", .enabled(if: InstructionSet.avx512.isSupported,
          "this CPU lacks a feature the AVX-512 table is compiled for (see CPUDispatchTests)"),
          arguments: [false, true])
    func avx512ResidualBlock(projectionShortcut: Bool) throws {
        let (model, input) = Self.residualBlockModel(projectionShortcut: projectionShortcut)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .avx512)
    }

    @Test("AVX2 kernels: residual block", .enabled(if: InstructionSet.avx2.isSupported,
          "this CPU lacks a feature the AVX2 table is compiled for (see CPUDispatchTests)"),
          arguments: [false, true])
    func avx2ResidualBlock(projectionShortcut: Bool) throws {
        let (model, input) = Self.residualBlockModel(projectionShortcut: projectionShortcut)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .avx2)
    }

    @Test("Portable kernels: residual block", arguments: [false, true])
    func portableResidualBlock(projectionShortcut: Bool) throws {
        let (model, input) = Self.residualBlockModel(projectionShortcut: projectionShortcut)
        try Self.expectAllKernelsMatchReference(model, input: input, table: .portable)
    }

    @Test(arguments: [9, 37, 1030])
    func maxPoolMatchesReferenceIncludingNaN(width: Int) throws {
        var generator = Generator(state: UInt64(width))
        let architecture = Architecture(
            name: "pool", inputShape: [2, 5, width], inputRule: .exact, classCount: 0,
            layers: [.maxPool(kernel: 3, stride: 2, padding: 1), .flatten])
        let model = Model(architecture: architecture, convolutions: [:], batchNorms: [:], keep: nil)
        var input = Self.input([1, 2, 5, width], using: &generator)
        input.scalars[width + 3] = .nan
        let expected = try ReferenceForward(model: model).logits(for: input)
        for instructionSet in InstructionSet.allCases where instructionSet.isSupported {
            let engine = FastEngine(model: model, options: .init(instructionSet: instructionSet, kernelSelection: .measured(cache: nil)))
            let output = try engine.logits(for: input)
            #expect(output.shape == expected.shape)
            #expect(zip(output.scalars, expected.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(output.scalars.contains { $0.isNaN })
        }
    }
}
