/// PyTorch's CPU random generator: the 32-bit Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998) with
/// torch's seeding, as `ATen/core/MT19937RNGEngine.h` implements it (docs/torch-init.md §1).
///
/// `torch.manual_seed(s)` keeps only the low 32 bits of `s`, so seeds s and s + 2³² give the same stream, and the
/// stream equals C++'s `std::mt19937(s mod 2³²)`. Every `uniform_` and `normal_` of a float32 tensor takes one
/// 32-bit output per element from here, in memory order.
public struct TorchMersenneTwister: Sendable {
    /// The number of 32-bit words of state, and of outputs between two regenerations.
    public static let stateSize = 624
    static let shift = 397
    static let matrix: UInt32 = 0x9908_B0DF

    /// The 624 state words; outputs `position ..< 624` are still to be tempered and returned.
    public private(set) var state: [UInt32]
    /// The index of the next state word to return; 624 means the state must be regenerated first.
    public private(set) var position: Int
    /// How many outputs have been drawn since seeding (the stream offset of the next output).
    public private(set) var drawn: Int = 0

    /// The generator after `torch.manual_seed(seed)` (a negative Python seed is its 64-bit two's complement).
    public init(seed: UInt64) {
        state = Self.initialState(seed: seed)
        position = Self.stateSize
    }

    /// Knuth's initialisation of the state from the low 32 bits of `seed`, before any regeneration.
    public static func initialState(seed: UInt64) -> [UInt32] {
        var words = [UInt32](repeating: 0, count: stateSize)
        words[0] = UInt32(truncatingIfNeeded: seed)
        for index in 1..<stateSize {
            let previous = words[index - 1]
            words[index] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(index)
        }
        return words
    }

    /// MT19937's output transformation of one state word.
    @inline(__always)
    public static func temper(_ word: UInt32) -> UInt32 {
        var y = word
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// The next 32-bit output.
    @inline(__always)
    public mutating func next() -> UInt32 {
        if position == Self.stateSize { regenerate() }
        let word = state[position]
        position += 1
        drawn += 1
        return Self.temper(word)
    }

    /// `random64()`: two outputs, the first in the high half (torch uses it only for float64 tensors).
    public mutating func next64() -> UInt64 {
        let high = UInt64(next())
        return high << 32 | UInt64(next())
    }

    /// Fills `buffer` with the next outputs, in order.
    public mutating func fill(_ buffer: UnsafeMutableBufferPointer<UInt32>) {
        guard var output = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            if position == Self.stateSize { regenerate() }
            let count = min(remaining, Self.stateSize - position)
            state.withUnsafeBufferPointer { words in
                // Pointer arithmetic without overflow checks lets the compiler vectorise the tempering.
                guard let source = words.baseAddress.map({ $0 + position }) else { return }
                for offset in 0..<count { output[offset] = Self.temper(source[offset]) }
            }
            output += count
            position += count
            remaining -= count
        }
        drawn += buffer.count
    }

    /// Passes over the next `count` outputs without tempering them: only the regenerations they span cost anything
    /// (about 1 ms per million outputs skipped on Zen 3).
    public mutating func skip(_ count: Int) {
        precondition(count >= 0, "TorchMersenneTwister.skip: negative count")
        var remaining = count
        while remaining > 0 {
            if position == Self.stateSize { regenerate() }
            let step = min(remaining, Self.stateSize - position)
            position += step
            remaining -= step
        }
        drawn += count
    }

    /// MT19937's twist: all 624 words in place, the later ones using the already regenerated earlier ones.
    mutating func regenerate() {
        state.withUnsafeMutableBufferPointer { s in
            let n = Self.stateSize, m = Self.shift
            @inline(__always) func twist(_ u: UInt32, _ v: UInt32) -> UInt32 {
                let mixed = (u & 0x8000_0000) | (v & 0x7FFF_FFFF)
                // Branch-free: the low bit of v is a coin flip, so a branch would be mispredicted half the time.
                return (mixed >> 1) ^ ((0 &- (v & 1)) & Self.matrix)
            }
            for i in 0..<(n - m) { s[i] = s[i + m] ^ twist(s[i], s[i + 1]) }
            for i in (n - m)..<(n - 1) { s[i] = s[i + m - n] ^ twist(s[i], s[i + 1]) }
            s[n - 1] = s[m - 1] ^ twist(s[n - 1], s[0])
        }
        position = 0
    }
}
