/// One image's result: its file, true class and the model's five highest-scoring classes.
public struct Prediction: Sendable, Equatable {
    /// The image file.
    public var path: String
    /// The true class index.
    public var label: Int
    /// Class indices by decreasing logit (fewer than five when the model has fewer classes).
    public var top: [Int]

    /// A prediction row.
    public init(path: String, label: Int, top: [Int]) {
        self.path = path
        self.label = label
        self.top = top
    }

    /// Whether the true class is the first prediction.
    public var isTop1Hit: Bool { top.first == label }
    /// Whether the true class is among the first five predictions.
    public var isTop5Hit: Bool { top.prefix(5).contains(label) }
}

/// The indices of the `k` largest values of each row of logits, largest first; equal logits keep the lower
/// class index first (the order a stable sort gives; torch.topk leaves ties unspecified).
func topIndices(of logits: UnsafeBufferPointer<Float>, row: Int, classes: Int, k: Int) -> [Int] {
    var best: [Int] = []
    best.reserveCapacity(k + 1)
    let base = row * classes
    for index in 0..<classes {
        let value = logits[base + index]
        if best.count == k, let last = best.last, !(value > logits[base + last]) { continue }
        var position = best.count
        while position > 0 && value > logits[base + best[position - 1]] { position -= 1 }
        best.insert(index, at: position)
        if best.count > k { best.removeLast() }
    }
    return best
}
