import Dispatch
import Foundation
import SupermaskCore
import SupermaskEngine

/// How an evaluation runs.
public struct EvaluationSettings: Sendable {
    /// Images per model call.
    public var batchSize: Int
    /// Threads that decode and preprocess (the engine has its own).
    public var decodeThreads: Int
    /// Stop at the first image that cannot be read, or that has a warning, instead of counting it under errors
    /// (or classifying it).
    public var strict: Bool
    /// The preprocessing.
    public var transform: ImageTransform
    /// What an image may cost.
    public var limits: ImageLimits

    /// Settings for a run.
    public init(
        batchSize: Int, decodeThreads: Int, strict: Bool = false, transform: ImageTransform = .imageNetValidation,
        limits: ImageLimits = .standard
    ) {
        self.batchSize = batchSize
        self.decodeThreads = decodeThreads
        self.strict = strict
        self.transform = transform
        self.limits = limits
    }
}

/// Where an evaluation is and where its time went, reported after every batch.
public struct EvaluationProgress: Sendable {
    /// Images handled (classified or failed).
    public var done: Int
    /// Images in the run.
    public var total: Int
    /// The counts so far.
    public var tally: EvaluationTally
    /// Wall time since the start.
    public var seconds: Double
    /// Wall time the inference loop spent in the model.
    public var inferenceSeconds: Double
    /// Wall time the inference loop waited for decoded images (decode is the bottleneck when this grows).
    public var waitingSeconds: Double
    /// Decoding thread time, summed over workers.
    public var decodeSeconds: Double

    /// Images per second of wall time.
    public var imagesPerSecond: Double { seconds > 0 ? Double(done) / seconds : 0 }
    /// Seconds left at the current rate, if known.
    public var secondsLeft: Double? { done > 0 ? Double(total - done) / imagesPerSecond : nil }
}

/// What an evaluation reports as it goes.
public enum EvaluationEvent: Sendable {
    /// An image could not be read; it is counted under errors.
    case imageFailed(path: String, problem: String)
    /// An image was read, but the user should know something about it (above the warning pixel level).
    case imageWarning(path: String, warning: String)
    /// A batch was classified; its predictions in dataset order.
    case classified([Prediction])
    /// Progress after a batch.
    case progress(EvaluationProgress)
}

/// Top-1/top-5 evaluation with decoding on worker threads overlapping inference.
///
/// Workers decode and preprocess whole batches into a bounded exchange (`decodeThreads + 1` batches), the
/// calling thread runs the engine on them in dataset order. Events arrive on the calling thread.
public enum EvaluationPipeline {
    /// Evaluates `images` with `engine`; throws the first image error when `settings.strict` is set, and any
    /// engine error.
    public static func run(
        _ images: ArraySlice<LabelledImage>, engine: any InferenceEngine, settings: EvaluationSettings,
        events: (EvaluationEvent) -> Void
    ) throws -> EvaluationProgress {
        let images = Array(images)
        let batchSize = max(1, settings.batchSize)
        let batchCount = (images.count + batchSize - 1) / batchSize
        let workers = max(1, min(settings.decodeThreads, batchCount))
        let exchange = BatchExchange(batchCount: batchCount, capacity: workers + 1)
        let finished = DispatchGroup()
        for _ in 0..<workers {
            finished.enter()
            let thread = Thread {
                while let number = exchange.claim() {
                    let slice = images[(number * batchSize)..<min(images.count, (number + 1) * batchSize)]
                    exchange.deliver(prepare(slice, transform: settings.transform, limits: settings.limits), number: number)
                }
                finished.leave()
            }
            thread.start()
        }
        defer {
            exchange.stop()
            finished.wait()
        }

        let start = DispatchTime.now()
        var progress = EvaluationProgress(
            done: 0, total: images.count, tally: EvaluationTally(), seconds: 0, inferenceSeconds: 0, waitingSeconds: 0,
            decodeSeconds: 0)
        for number in 0..<batchCount {
            let waitStart = DispatchTime.now()
            guard let batch = exchange.take(number) else { break }
            progress.waitingSeconds += seconds(since: waitStart)
            progress.decodeSeconds += batch.decodeSeconds
            for (path, warning) in batch.warnings {
                if settings.strict { throw SupermaskError(file: path, warning) }
                events(.imageWarning(path: path, warning: warning))
            }
            for failure in batch.failures {
                if settings.strict { throw SupermaskError(file: failure.path, failure.problem) }
                events(.imageFailed(path: failure.path, problem: failure.problem))
            }
            progress.tally.errors += batch.failures.count
            if !batch.images.isEmpty {
                let inferenceStart = DispatchTime.now()
                let input = Tensor(shape: [batch.images.count] + settings.transform.imageShape, scalars: batch.input)
                let logits = try engine.logits(for: input)
                progress.inferenceSeconds += seconds(since: inferenceStart)
                let predictions = classify(batch.images, logits: logits)
                predictions.forEach { progress.tally.record($0) }
                events(.classified(predictions))
            }
            exchange.release()
            progress.done += batch.images.count + batch.failures.count
            progress.seconds = seconds(since: start)
            events(.progress(progress))
        }
        return progress
    }

    /// Decodes and preprocesses one batch, collecting failures instead of throwing.
    static func prepare(_ images: ArraySlice<LabelledImage>, transform: ImageTransform, limits: ImageLimits) -> PreparedBatch {
        let start = DispatchTime.now()
        let batch = PreparedBatch()
        let size = transform.elementCount
        batch.input = [Float](repeating: 0, count: images.count * size)
        for image in images {
            do {
                let slot = batch.images.count
                let warnings = try batch.input.withUnsafeMutableBufferPointer { buffer in
                    try transform.preprocess(
                        imageAt: image.path, limits: limits,
                        into: UnsafeMutableBufferPointer(rebasing: buffer[(slot * size)..<((slot + 1) * size)]))
                }
                batch.warnings += warnings.map { (image.path, $0) }
                batch.images.append(image)
            } catch let error as SupermaskError {
                batch.failures.append((image.path, error.message))
            } catch {
                batch.failures.append((image.path, "\(error)"))
            }
        }
        batch.input.removeLast((images.count - batch.images.count) * size)
        batch.decodeSeconds = seconds(since: start)
        return batch
    }

    private static func classify(_ images: [LabelledImage], logits: Tensor) -> [Prediction] {
        let classes = logits.shape.last ?? 0
        return logits.scalars.withUnsafeBufferPointer { buffer in
            images.enumerated().map { row, image in
                Prediction(path: image.path, label: image.label, top: topIndices(of: buffer, row: row, classes: classes, k: min(5, classes)))
            }
        }
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
