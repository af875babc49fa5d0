import SupermaskCore

/// A range of 32-bit torch seeds to search: all 2³², a part given on the command line, or a shard of either.
public struct SeedRange: Sendable, Equatable, CustomStringConvertible {
    /// The number of distinct torch seeds: only the low 32 bits of `manual_seed`'s argument matter.
    public static let seedCount: UInt64 = 1 << 32

    /// The first seed.
    public let lowerBound: UInt64
    /// One past the last seed (at most 2³²).
    public let upperBound: UInt64

    /// Every seed.
    public static let all = SeedRange(unchecked: 0, seedCount)

    private init(unchecked lowerBound: UInt64, _ upperBound: UInt64) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Seeds `lowerBound ..< upperBound`, a non-empty part of 0 ..< 2³².
    public init(_ lowerBound: UInt64, _ upperBound: UInt64) throws {
        guard lowerBound < upperBound, upperBound <= Self.seedCount else {
            throw SupermaskError("seed range \(lowerBound)..<\(upperBound) is not a non-empty part of 0..<\(Self.seedCount)")
        }
        self.init(unchecked: lowerBound, upperBound)
    }

    /// Parses `FIRST-LAST` (inclusive; decimal or 0x-prefixed hexadecimal), e.g. `0-65535` or `0x10000-0x1ffff`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Self.seed(parts[0]), let last = Self.seed(parts[1]), first <= last else {
            throw SupermaskError("seed range '\(text.escapedForDisplay())' is not FIRST-LAST with 0 ≤ FIRST ≤ LAST < 2^32 (e.g. 0-65535)")
        }
        self.init(unchecked: first, last + 1)
    }

    /// Shard `index` of `count` equal parts (`index` = 0 … count − 1; the parts differ in size by at most one seed).
    public func shard(_ index: Int, of count: Int) throws -> SeedRange {
        guard count >= 1, (0..<count).contains(index), UInt64(count) <= size else {
            throw SupermaskError("shard \(index)/\(count) is not one of \(count) shards (0/\(count) … \(count - 1)/\(count)) of \(size) seeds")
        }
        let base = lowerBound
        return SeedRange(unchecked: base + size * UInt64(index) / UInt64(count), base + size * UInt64(index + 1) / UInt64(count))
    }

    /// Parses a shard given as `I/N` and returns that shard of this range.
    public func shard(parsing text: String) throws -> SeedRange {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw SupermaskError("shard '\(text.escapedForDisplay())' is not I/N (the I-th of N parts, I = 0 … N−1, e.g. 3/16)")
        }
        return try shard(index, of: count)
    }

    /// The number of seeds.
    public var size: UInt64 { upperBound - lowerBound }

    /// `FIRST-LAST`, inclusive, as `init(parsing:)` reads it.
    public var description: String { "\(lowerBound)-\(upperBound - 1)" }

    private static func seed(_ text: Substring) -> UInt64? {
        let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text, radix: 10)
        return value.flatMap { $0 < seedCount ? $0 : nil }
    }
}
