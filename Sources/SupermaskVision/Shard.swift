import SupermaskCore

/// One of `count` contiguous, near-equal slices of a dataset (`--shard I/N`, I counted from 0).
///
/// Contiguous slices keep every shard's predictions in dataset order, so concatenating the shards' CSV files in
/// shard order gives one run's file.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// Which slice, 0 ..< count.
    public var index: Int
    /// How many slices.
    public var count: Int

    /// The whole dataset.
    public static let whole = Shard(index: 0, count: 1)

    /// A shard; `index` must be in 0 ..< `count`.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else {
            throw SupermaskError("shard '\(text.escapedForDisplay(limit: 40))' is not I/N with 0 ≤ I < N (for example 0/8 … 7/8)")
        }
        self.init(index: index, count: count)
    }

    /// This shard's part of `indices`: elements `⌊i·n/N⌋ ..< ⌊(i+1)·n/N⌋`.
    public func range(in indices: Range<Int>) -> Range<Int> {
        let n = indices.count
        return (indices.lowerBound + index * n / count)..<(indices.lowerBound + (index + 1) * n / count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }
}
