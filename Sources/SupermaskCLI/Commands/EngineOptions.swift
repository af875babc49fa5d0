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
    @Option(help: "Threads to use (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The engine: fast (planned, sparse kernels) or reference (the plain oracle).")
    var engine: EngineKind = .fast

    @Flag(help: "Time every layer's kernel candidates afresh instead of using ~/.cache/supermask/kernel-choices.json.")
    var noKernelCache = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// The engine that runs `model` with these options.
    func makeEngine(for model: Model) -> any InferenceEngine {
        makeEngine(for: model, threads: threads)
    }

    /// The engine that runs `model` with these options on `threads` threads (commands that sweep thread counts).
    func makeEngine(for model: Model, threads: Int) -> any InferenceEngine {
        Self.makeEngine(engine, for: model, threads: threads, kernelCache: !noKernelCache)
    }

    /// An engine of `kind` for `model` on `threads` threads; `kernelCache` lets the fast engine reuse timings.
    static func makeEngine(_ kind: EngineKind, for model: Model, threads: Int, kernelCache: Bool) -> any InferenceEngine {
        switch kind {
        case .reference:
            return ReferenceForward(model: model, threads: threads)
        case .fast:
            let cache = kernelCache ? KernelChoiceCache() : nil
            return FastEngine(model: model, options: .init(threads: threads, kernelSelection: .measured(cache: cache)))
        }
    }
}
