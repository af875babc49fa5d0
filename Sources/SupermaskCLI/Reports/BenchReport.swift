import SupermaskEngine

/// What `supermask bench` measured, as one value that renders to text or to JSON.
struct BenchReport: Encodable {
    var file: String
    var architecture: String
    var engine: String
    var instructionSet: String
    var runs: Int
    var warmup: Int
    var results: [Result] = []
    /// The slowest steps of one image, per thread count.
    var layers: [Layer] = []
    /// The kernel picked for every convolution.
    var kernelChoices: [String: String] = [:]
    /// The whole process's peak resident memory (model, plans, arenas and inputs of every setting).
    var peakMemoryBytes = 0

    /// One (batch size, threads) setting.
    struct Result: Encodable {
        var batchSize: Int
        var threads: Int
        var imagesPerSecond: Double
        var millisecondsPerImage: Double
        /// The slowest and fastest run's images/s: the spread around the median.
        var imagesPerSecondMin: Double
        var imagesPerSecondMax: Double
        var runSeconds: [Double]
        /// Seconds to plan the model for this thread count (kernel timing unless the cache held the choices).
        var planSeconds: Double

        init(batchSize: Int, threads: Int, seconds: [Double], planSeconds: Double) {
            self.batchSize = batchSize
            self.threads = threads
            let sorted = seconds.sorted()
            let median = sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            imagesPerSecond = Double(batchSize) / median
            millisecondsPerImage = median * 1000 / Double(batchSize)
            imagesPerSecondMin = Double(batchSize) / (sorted.last ?? median)
            imagesPerSecondMax = Double(batchSize) / (sorted.first ?? median)
            runSeconds = seconds
            self.planSeconds = planSeconds
        }
    }

    /// One step of the layer table.
    struct Layer: Encodable {
        var threads: Int
        var name: String
        var kernel: String
        var milliseconds: Double
        /// Useful (nonzero-weight) GFLOP/s; 0 for steps that are not convolutions.
        var gflops: Double
        /// The step's share of the image's total time.
        var share: Double
    }

    enum CodingKeys: String, CodingKey {
        case file, architecture, engine, runs, warmup, results, layers
        case instructionSet = "instruction_set"
        case kernelChoices = "kernel_choices"
        case peakMemoryBytes = "peak_memory_bytes"
    }

    /// Adds the `count` slowest of `timings` for `threads`.
    mutating func addLayers(_ timings: [LayerTiming], threads: Int, count: Int) {
        let total = timings.reduce(0) { $0 + $1.seconds }
        for timing in timings.sorted(by: { $0.seconds > $1.seconds }).prefix(count) {
            layers.append(Layer(
                threads: threads, name: timing.name, kernel: timing.kernel, milliseconds: timing.seconds * 1000,
                gflops: timing.seconds > 0 ? timing.usefulFlops / timing.seconds / 1e9 : 0,
                share: total > 0 ? timing.seconds / total : 0))
        }
    }
}

extension BenchReport.Result {
    enum CodingKeys: String, CodingKey {
        case threads
        case batchSize = "batch_size"
        case imagesPerSecond = "images_per_second"
        case millisecondsPerImage = "milliseconds_per_image"
        case imagesPerSecondMin = "images_per_second_min"
        case imagesPerSecondMax = "images_per_second_max"
        case runSeconds = "run_seconds"
        case planSeconds = "plan_seconds"
    }
}

extension BenchReport.Layer {
    enum CodingKeys: String, CodingKey {
        case threads, name, kernel, milliseconds, gflops, share
    }
}
