import Foundation

/// A batch of preprocessed images, ready for the model.
final class PreparedBatch: @unchecked Sendable {
    /// The images that decoded, in dataset order.
    var images: [LabelledImage] = []
    /// Their NCHW float32 data, `images.count × transform.elementCount` floats.
    var input: [Float] = []
    /// Images that failed, with the reason.
    var failures: [(path: String, problem: String)] = []
    /// Images that decoded with a warning, with the warning.
    var warnings: [(path: String, warning: String)] = []
    /// Thread time spent decoding and preprocessing.
    var decodeSeconds = 0.0
}

/// The bounded hand-off between decoding workers and the inference loop.
///
/// Workers claim batch numbers in order, but only while fewer than `capacity` batches are claimed and not yet
/// released by the consumer, so memory stays at `capacity` batches whatever the dataset size. The consumer
/// takes batches strictly in order, which keeps predictions in dataset order.
final class BatchExchange: @unchecked Sendable {
    private let condition = NSCondition()
    private let batchCount: Int
    private let capacity: Int
    private var nextToClaim = 0
    private var outstanding = 0
    private var ready: [Int: PreparedBatch] = [:]
    private var stopped = false

    init(batchCount: Int, capacity: Int) {
        self.batchCount = batchCount
        self.capacity = capacity
    }

    /// The next batch number to prepare, waiting for room; nil when all are claimed or the run stopped.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while outstanding >= capacity && !stopped { condition.wait() }
        guard !stopped, nextToClaim < batchCount else { return nil }
        nextToClaim += 1
        outstanding += 1
        return nextToClaim - 1
    }

    /// Hands a prepared batch to the consumer.
    func deliver(_ batch: PreparedBatch, number: Int) {
        condition.lock()
        ready[number] = batch
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for batch `number`; nil if the run stopped.
    func take(_ number: Int) -> PreparedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while ready[number] == nil && !stopped { condition.wait() }
        return ready.removeValue(forKey: number)
    }

    /// Frees the room of a consumed batch.
    func release() {
        condition.lock()
        outstanding -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the workers after their current batch.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
