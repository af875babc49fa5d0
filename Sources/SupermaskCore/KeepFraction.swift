/// The fraction of each layer's weights a supermask keeps (the paper's k; `--prune-rate` in the original code).
///
/// hidden-networks' `GetSubnet` zeroes `j = int((1 - k) * n)` of a layer's `n` weights, the product taken in
/// double precision and truncated, and keeps the other `n - j`. The released ImageNet models use k = 0.3.
public struct KeepFraction: Sendable, Equatable, CustomStringConvertible {
    /// The fraction kept, in (0, 1].
    public let value: Double

    /// Validates `value`: it must be a number in (0, 1].
    public init(_ value: Double) throws {
        guard value.isFinite, value > 0, value <= 1 else {
            throw SupermaskError("keep fraction \(value) is outside (0, 1]; it is the fraction of weights kept (the released models use 0.3)")
        }
        self.value = value
    }

    /// How many of `count` weights the original code zeroes: `int((1 - k) * n)`.
    public func zeroedCount(of count: Int) -> Int {
        Int((1.0 - value) * Double(count))
    }

    /// How many of `count` weights are kept: `n - int((1 - k) * n)`.
    public func keptCount(of count: Int) -> Int {
        count - zeroedCount(of: count)
    }

    public var description: String { "\(value)" }
}
