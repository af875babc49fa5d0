import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskEngine

/// How a command that runs a model runs it.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads to use (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// The engine that runs `model` with these options.
    func makeEngine(for model: Model) -> any InferenceEngine {
        ReferenceForward(model: model, threads: threads)
    }
}
