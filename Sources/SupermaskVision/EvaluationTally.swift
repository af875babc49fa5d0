/// Counts of an evaluation: what top-1/top-5 are computed from, and what shards add up.
public struct EvaluationTally: Sendable, Equatable {
    /// Images the model classified.
    public var images = 0
    /// Images that could not be decoded or preprocessed (not in `images`).
    public var errors = 0
    /// Images whose true class was the first prediction.
    public var top1Hits = 0
    /// Images whose true class was among the first five predictions.
    public var top5Hits = 0

    /// An empty tally.
    public init() {}

    /// A tally with the given counts.
    public init(images: Int, errors: Int, top1Hits: Int, top5Hits: Int) {
        self.images = images
        self.errors = errors
        self.top1Hits = top1Hits
        self.top5Hits = top5Hits
    }

    /// Top-1 accuracy in percent of the classified images (0 when there are none).
    public var top1: Double { images == 0 ? 0 : 100 * Double(top1Hits) / Double(images) }
    /// Top-5 accuracy in percent of the classified images.
    public var top5: Double { images == 0 ? 0 : 100 * Double(top5Hits) / Double(images) }

    /// Counts one classified image.
    public mutating func record(_ prediction: Prediction) {
        images += 1
        if prediction.isTop1Hit { top1Hits += 1 }
        if prediction.isTop5Hit { top5Hits += 1 }
    }

    /// The sum of two tallies (shards of one dataset).
    public static func + (a: EvaluationTally, b: EvaluationTally) -> EvaluationTally {
        EvaluationTally(
            images: a.images + b.images, errors: a.errors + b.errors, top1Hits: a.top1Hits + b.top1Hits,
            top5Hits: a.top5Hits + b.top5Hits)
    }
}
