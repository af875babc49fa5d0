import ArgumentParser
import Dispatch
import Foundation
import SupermaskCore
import SupermaskEngine

/// `supermask bench`: throughput, latency, peak memory and the slowest layers of a model on this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure images/s, ms per image, peak memory and per-layer times of a model.",
        discussion: """
            Every (batch size, threads) pair runs --warmup untimed batches, then --runs timed ones; the report gives \
            the median and the spread. Inputs are synthetic (a fixed pseudo-random batch of the model's input size). \
            The layer table times one image with the engine's threads sharing each layer (fast engine only).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .customLong("batch-size"), help: "Batch sizes, comma-separated.")
    var batchSizes: IntegerList = IntegerList([1, 32])

    @Option(help: "Thread counts, comma-separated.")
    var threads: IntegerList = IntegerList([1, 2])

    @Option(help: "Timed runs per setting (the median is reported).")
    var runs = 5

    @Option(help: "Untimed runs per setting before timing.")
    var warmup = 1

    @Option(help: "How many of the slowest layers the table lists.")
    var layers = 10

    @Option(help: "Runs of the layer profile; each layer's fastest run is reported (more runs see through other load).")
    var profileRuns = 3

    @Option(help: "The engine: fast or reference.")
    var engine: EngineKind = .fast

    @Flag(help: "Time every layer's kernel candidates afresh instead of using the kernel cache.")
    var noKernelCache = false

    @Option(help: """
        The fast engine's kernel table: avx512, avx2, portable or reference (scalar C). Default: the fastest one \
        this CPU runs; a table the CPU lacks a feature for falls back to that.
        """)
    var kernels: InstructionSet?

    @Flag(help: "Print one JSON document.")
    var json = false

    /// The most timed or warm-up runs per setting: far more than a median needs.
    static let maximumRuns = 10_000

    func validate() throws {
        for batchSize in batchSizes.values { try EngineOptions.validateBatchSize(batchSize, option: "--batch-size") }
        for threadCount in threads.values { try EngineOptions.validateThreads(threadCount, option: "--threads") }
        guard (1...Self.maximumRuns).contains(runs), (0...Self.maximumRuns).contains(warmup),
            (1...Self.maximumRuns).contains(profileRuns), layers >= 0
        else {
            throw ValidationError("--runs must be in 1…\(Self.maximumRuns), --profile-runs in 1…\(Self.maximumRuns), --warmup in 0…\(Self.maximumRuns), --layers at least 0")
        }
    }

    func run() throws {
        try reportingErrors {
            let model = try modelOptions.load()
            let limits = modelOptions.limits
            do {
                // Before any synthetic batch is allocated.
                for batchSize in batchSizes.values {
                    try limits.checkBatch(images: batchSize, imageShape: model.architecture.inputShape, for: model.architecture)
                }
            } catch let error as SupermaskError {
                throw error.inFile(modelOptions.model)
            }
            var report = BenchReport(
                file: modelOptions.model, architecture: model.architecture.name, engine: engine.rawValue,
                instructionSet: engine == .fast ? InstructionSet.best.rawValue : "scalar", runs: runs, warmup: warmup)
            if let kernels, engine == .fast, kernels.isSupported { report.instructionSet = kernels.rawValue }
            for threadCount in threads.values {
                let planStart = DispatchTime.now()
                let runner = makeEngine(model: model, threads: threadCount)
                let planSeconds = seconds(since: planStart)
                for batchSize in batchSizes.values {
                    let input = syntheticInput(model.architecture, batchSize: batchSize)
                    for _ in 0..<warmup { _ = try runner.logits(for: input) }
                    var times: [Double] = []
                    for _ in 0..<runs {
                        let start = DispatchTime.now()
                        _ = try runner.logits(for: input)
                        times.append(seconds(since: start))
                    }
                    report.results.append(.init(batchSize: batchSize, threads: threadCount, seconds: times,
                                                planSeconds: planSeconds))
                }
                if let fast = runner as? FastEngine {
                    if layers > 0 {
                        let timings = try fast.profile(syntheticInput(model.architecture, batchSize: 1), runs: profileRuns)
                        report.addLayers(timings, threads: threadCount, count: layers)
                    }
                    report.kernelChoices = Dictionary(fast.kernelChoices.map { ($0.layer, $0.choice.description) },
                                                      uniquingKeysWith: { first, _ in first })
                }
            }
            report.peakMemoryBytes = PeakMemory.residentBytes()
            if json {
                try printJSON(report)
            } else {
                print(report.text)
            }
        }
    }

    /// The engine to time; a concrete `FastEngine` when fast, so the layer profile is available.
    private func makeEngine(model: Model, threads: Int) -> any InferenceEngine {
        guard engine == .fast, let kernels else {
            return EngineOptions.makeEngine(engine, for: model, threads: threads, kernelCache: !noKernelCache, limits: modelOptions.limits)
        }
        let cache = noKernelCache ? nil : KernelChoiceCache()
        return FastEngine(model: model, options: .init(
            threads: threads, instructionSet: kernels, kernelSelection: .measured(cache: cache), limits: modelOptions.limits))
    }

    /// A fixed pseudo-random batch in [−2, 2) of the architecture's input shape (values like normalised pixels).
    private func syntheticInput(_ architecture: Architecture, batchSize: Int) -> Tensor {
        let shape = [batchSize] + architecture.inputShape
        var state: UInt64 = 0x5EED
        let scalars = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 4 - 2
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    private func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

extension InstructionSet: ExpressibleByArgument {}

/// A comma-separated list of positive integers on the command line (`1,32`).
struct IntegerList: ExpressibleByArgument {
    var values: [Int]

    init(_ values: [Int]) { self.values = values }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == parts.count else { return nil }
        self.values = values
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// The process's peak resident memory.
enum PeakMemory {
    /// VmHWM from /proc/self/status in bytes (0 where that file does not exist).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}
