import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskEngine

/// Which engine runs a model.
enum EngineKind: String, ExpressibleByArgument, CaseIterable {
    /// The planned engine: sparse/sign/dense kernels picked per layer by measurement.
    case fast
    /// The reference forward pass, the oracle every engine is tested against.
    case reference
}

/// How a command that runs a model runs it.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads to use, 1…\(EngineThreads.maximum) (default: all cores).")
    var threads: Int = EngineThreads.clamped(ProcessInfo.processInfo.activeProcessorCount)

    @Option(help: "The engine: fast (planned, sparse kernels) or reference (the plain oracle).")
    var engine: EngineKind = .fast

    @Flag(help: "Time every layer's kernel candidates afresh instead of using ~/.cache/supermask/kernel-choices.json.")
    var noKernelCache = false

    /// The most images a command runs per engine call (`--batch-size`); the activation limits bound it further.
    static let maximumBatchSize = 65_536

    func validate() throws {
        try Self.validateThreads(threads, option: "--threads")
    }

    /// Refuses a thread count outside 1…`EngineThreads.maximum`, naming the option.
    static func validateThreads(_ threads: Int, option: String) throws {
        guard (1...EngineThreads.maximum).contains(threads) else {
            throw ValidationError("\(option) must be in 1…\(EngineThreads.maximum), not \(threads)")
        }
    }

    /// Refuses a batch size outside 1…`maximumBatchSize`, naming the option.
    static func validateBatchSize(_ batchSize: Int, option: String) throws {
        guard (1...maximumBatchSize).contains(batchSize) else {
            throw ValidationError("\(option) must be in 1…\(maximumBatchSize), not \(batchSize)")
        }
    }

    /// The engine that runs `model` with these options and the standard limits.
    func makeEngine(for model: Model) -> any InferenceEngine {
        makeEngine(for: model, limits: .standard)
    }

    /// The engine that runs `model` with these options, refusing inputs beyond `limits`.
    func makeEngine(for model: Model, limits: ModelLimits) -> any InferenceEngine {
        Self.makeEngine(engine, for: model, threads: threads, kernelCache: !noKernelCache, limits: limits)
    }

    /// An engine of `kind` for `model` on `threads` threads within `limits`; `kernelCache` lets the fast engine
    /// reuse timings.
    static func makeEngine(_ kind: EngineKind, for model: Model, threads: Int, kernelCache: Bool,
                           limits: ModelLimits) -> any InferenceEngine {
        switch kind {
        case .reference:
            return ReferenceForward(model: model, threads: threads, limits: limits)
        case .fast:
            let cache = kernelCache ? KernelChoiceCache() : nil
            return FastEngine(model: model, options: .init(
                threads: threads, kernelSelection: .measured(cache: cache), limits: limits))
        }
    }
}
