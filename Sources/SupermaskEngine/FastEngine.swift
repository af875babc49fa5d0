import Dispatch
import Foundation
import SupermaskCore

/// The planned engine: sparse, sign-only and dense SIMD kernels chosen per layer by measurement, batch norm
/// and ReLU and residual sums fused into the kernels, and a fixed arena per worker.
///
/// A batch of at least `threads` images is split across workers image by image (one synchronisation per
/// batch); a smaller batch shares each convolution's tiles or output channels among the workers.
/// Plans are made per input size, on first use (the model's own input size is planned in `init`).
public final class FastEngine: InferenceEngine, @unchecked Sendable {
    /// How kernels are chosen.
    public enum KernelSelection: Sendable {
        /// Time the candidates on this machine; reuse and extend `cache` when given.
        case measured(cache: KernelChoiceCache?)
        /// Use this kernel for every convolution, adjusted to what each layer allows (tests, comparisons).
        case fixed(KernelChoice)
    }

    /// The engine's settings.
    public struct Options: Sendable {
        /// Worker threads (the caller counts as one).
        public var threads: Int
        /// The kernels' instruction set; `.best` picks the fastest table the CPU runs (AVX-512, AVX2 or portable).
        public var instructionSet: InstructionSet
        /// Timed per layer (cached) or fixed.
        public var kernelSelection: KernelSelection
        /// How large an image's and a batch's activations and work may be; one image per thread counts as a batch.
        public var limits: ModelLimits

        /// Settings for `threads` threads (at most `EngineThreads.maximum`); by default the best instruction set,
        /// measured, cached kernels and the standard limits.
        public init(threads: Int = 1, instructionSet: InstructionSet = .best,
                    kernelSelection: KernelSelection = .measured(cache: KernelChoiceCache()),
                    limits: ModelLimits = .standard) {
            self.threads = EngineThreads.clamped(threads)
            self.instructionSet = instructionSet
            self.kernelSelection = kernelSelection
            self.limits = limits
        }
    }

    /// A planned network with one arena per worker.
    private struct Prepared {
        let plan: ExecutionPlan
        let arenas: [Arena]
    }

    private let model: Model
    /// The settings the engine runs with.
    public let options: Options
    private var plans: [ActivationShape: Prepared] = [:]
    private let lock = NSLock()
    private let pool: WorkerPool

    /// Plans `model` for its own input size. When the CPU lacks a feature the requested instruction set is
    /// compiled for, the best set it runs is used instead (see `options.instructionSet` for the set in use).
    /// A model that does not hold together at that size is not planned; `logits(for:)` then throws why.
    public init(model: Model, options: Options = Options()) {
        var options = options
        if !options.instructionSet.isSupported { options.instructionSet = .best }
        self.model = model
        self.options = options
        pool = WorkerPool(width: options.threads)
        let shape = model.architecture.inputShape
        if shape.count == 3 {
            _ = try? prepared(for: ActivationShape(channels: shape[0], height: shape[1], width: shape[2]))
        }
    }

    /// The logits [N, classes] for a float32 NCHW batch.
    public func logits(for input: Tensor) throws -> Tensor {
        let shapes = try EngineInput.check(input, for: model, limits: options.limits)
        let batch = input.shape[0]
        try options.limits.checkBatch(images: batch, of: shapes, as: "a batch of \(batch) images")
        let shape = ActivationShape(channels: input.shape[1], height: input.shape[2], width: input.shape[3])
        return try lock.withLock {
            let prepared = try prepared(for: shape)
            let plan = prepared.plan
            var output = [Float](repeating: 0, count: batch * plan.outputCount)
            let workers = min(options.threads, max(batch, 1))
            input.scalars.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    let images = ImageIO(source: source.baseAddress, target: target.baseAddress,
                                         imageCount: shape.count, outputCount: plan.outputCount)
                    let pool = self.pool
                    if batch >= options.threads && workers > 1 {
                        // Workers take the next image as they finish one, so a worker slowed by other load on
                        // its core does not hold the batch back.
                        pool.run(tasks: batch) { image, worker in
                            images.run(image, plan: plan, arenas: [prepared.arenas[worker]], pool: pool)
                        }
                    } else {
                        for image in 0..<batch { images.run(image, plan: plan, arenas: prepared.arenas, pool: pool) }
                    }
                }
            }
            return Tensor(shape: [batch, plan.outputCount], scalars: output)
        }
    }

    /// The plan for images of `shape`, made on first use once the model has been checked at that size.
    private func prepared(for shape: ActivationShape) throws -> Prepared {
        if let existing = plans[shape] { return existing }
        let compiled = try PlanCompiler(model: model, inputShape: shape, limits: options.limits)
        // Every worker gets an arena for a whole image, so the threads hold that many images' activations at once.
        try options.limits.checkBatch(
            images: options.threads, of: compiled.networkShapes, as: "\(options.threads) threads (one image each)")
        let plan: ExecutionPlan
        switch options.kernelSelection {
        case .measured(let cache):
            let selector = KernelSelector(instructionSet: options.instructionSet, cache: cache)
            plan = ExecutionPlan(compiled: compiled, prepare: selector.prepare)
            cache?.save()
        case .fixed(let choice):
            let instructionSet = options.instructionSet
            plan = ExecutionPlan(compiled: compiled) {
                PreparedConvolution($0.layer, weights: $0.effectiveWeights(), choice: choice, instructionSet: instructionSet)
            }
        }
        let prepared = Prepared(plan: plan, arenas: (0..<options.threads).map { _ in Arena(plan: plan) })
        plans[shape] = prepared
        return prepared
    }

    /// The kernel chosen for every convolution of the plan for the model's input size (or of the first plan
    /// made, for a model without one), in execution order.
    public var kernelChoices: [(layer: String, choice: KernelChoice)] {
        let shape = model.architecture.inputShape
        return lock.withLock {
            let own = shape.count == 3 ? plans[ActivationShape(channels: shape[0], height: shape[1], width: shape[2])] : nil
            guard let plan = (own ?? plans.values.first)?.plan else { return [] }
            return plan.steps.compactMap { step in
                if case .convolution(let kernel, _, _, _) = step { return (kernel.layer.convolution.name, kernel.choice) }
                return nil
            }
        }
    }

    /// Times every step on the first image of `input` (best of `runs`), with the engine's threads sharing each
    /// convolution as they do for a batch of one.
    public func profile(_ input: Tensor, runs: Int = 3) throws -> [LayerTiming] {
        _ = try EngineInput.check(input, for: model, limits: options.limits)
        let shape = ActivationShape(channels: input.shape[1], height: input.shape[2], width: input.shape[3])
        return try lock.withLock {
            let prepared = try prepared(for: shape)
            let plan = prepared.plan
            var best = [UInt64](repeating: .max, count: plan.steps.count)
            var timings = [UInt64](repeating: 0, count: plan.steps.count)
            var scratch = [Float](repeating: 0, count: plan.outputCount)
            input.scalars.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    let images = ImageIO(source: source.baseAddress, target: target.baseAddress,
                                         imageCount: shape.count, outputCount: plan.outputCount)
                    for _ in 0..<max(1, runs) {
                        timings.withUnsafeMutableBufferPointer {
                            images.run(0, plan: plan, arenas: prepared.arenas, pool: pool, timings: $0.baseAddress)
                        }
                        for index in best.indices { best[index] = min(best[index], timings[index]) }
                    }
                }
            }
            return plan.steps.indices.map { index in
                var kernel = "-"
                var multiplyAdds = 0
                if case .convolution(let prepared, _, _, _) = plan.steps[index] {
                    kernel = prepared.choice.description
                    multiplyAdds = prepared.layer.usefulMultiplyAdds
                }
                return LayerTiming(name: plan.names[index], kernel: kernel, seconds: Double(best[index]) / 1e9,
                                   usefulFlops: 2 * Double(multiplyAdds))
            }
        }
    }
}

/// One step's time in a profile.
public struct LayerTiming: Sendable {
    /// The convolution's state-dict name, or the operation (`maxpool`, `avgpool`, …).
    public var name: String
    /// The kernel choice, or "-" for steps that are not convolutions.
    public var kernel: String
    /// The best of the profile's runs.
    public var seconds: Double
    /// 2 × the multiply-adds with nonzero weights (0 for steps that are not convolutions).
    public var usefulFlops: Double
}

/// Moves images between the caller's batch and a worker's arena.
private struct ImageIO: @unchecked Sendable {
    let source: UnsafePointer<Float>?
    let target: UnsafeMutablePointer<Float>?
    let imageCount: Int
    let outputCount: Int

    /// Copies image `image` in, runs `plan`, copies its output out.
    func run(_ image: Int, plan: ExecutionPlan, arenas: [Arena], pool: WorkerPool,
             timings: UnsafeMutablePointer<UInt64>? = nil) {
        guard let source, let target else { return }
        arenas[0].buffer(0).update(from: source + image * imageCount, count: imageCount)
        plan.run(arenas: arenas, pool: pool, timings: timings)
        (target + image * outputCount).update(from: arenas[0].buffer(plan.outputBuffer), count: outputCount)
    }
}
