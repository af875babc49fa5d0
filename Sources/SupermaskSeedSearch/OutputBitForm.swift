import Dispatch
import Synchronization
import SupermaskTorchInit

/// One bit of an MT19937 output as a GF(2)-linear form of the seeded state (before the first twist).
///
/// Tempering and the twist are linear over GF(2), so bit `bit` of output `index` equals
/// parity(Σⱼ s[j] & words[j]) for the 624 words s of `TorchMersenneTwister.initialState(seed:)`. The form is found
/// by running the adjoint of the twist backwards from the output's position — one pass over 624 words per
/// regeneration, about 0.5 ms per 100 regenerations — instead of twisting 19,968 unit states forwards.
public struct OutputBitForm: Sendable, Equatable {
    /// Word j is the mask of the state word s[j] (624 words).
    public var words: [UInt32]

    /// The adjoint of the twist's update of word i: s[i] ← s[far] ⊕ A·s[i] ⊕ B·s[next], where A moves bit 31 to
    /// bit 30 and B(v) = (v & 0x7FFFFFFF) >> 1 ⊕ (v & 1) · MATRIX_A; the new s[i] is read through form[i].
    @inline(__always)
    private static func adjointStep(_ form: inout UnsafeMutableBufferPointer<UInt32>, _ i: Int, next: Int, far: Int) {
        let f = form[i]
        if f == 0 { return }
        form[i] = (f >> 30 & 1) << 31
        form[next] ^= (f & 0x3FFF_FFFF) << 1 | UInt32((f & matrix).nonzeroBitCount & 1)
        form[far] ^= f
    }

    /// A form given by its words.
    init(words: [UInt32]) {
        self.words = words
    }

    /// The form of bit `bit` (0 = least significant) of output `index` (0 = the first output after seeding).
    public init(outputIndex index: Int, bit: Int) {
        precondition(index >= 0 && (0..<32).contains(bit), "OutputBitForm: output \(index), bit \(bit)")
        let size = TorchMersenneTwister.stateSize
        var form = [UInt32](repeating: 0, count: size)
        form[index % size] = Self.temperingRows[bit]
        // Output i is state word i mod 624 after i / 624 + 1 regenerations (torch regenerates before the first
        // output). Each regeneration updates s[0], s[1], …, s[623] in turn, so its adjoint visits them in reverse.
        form.withUnsafeMutableBufferPointer { form in
            for _ in 0...(index / size) {
                Self.adjointStep(&form, 623, next: 0, far: 396)
                for i in stride(from: 622, through: 227, by: -1) { Self.adjointStep(&form, i, next: i + 1, far: i - 227) }
                for i in stride(from: 226, through: 0, by: -1) { Self.adjointStep(&form, i, next: i + 1, far: i + 397) }
            }
        }
        words = form
    }

    /// The forms of `bits`, computed on `threads` threads (a form deep in the stream costs about 1 µs per
    /// regeneration it spans).
    static func forms(of bits: [KnownOutputBit], threads: Int) -> [[UInt32]] {
        let slices = max(1, min(threads, bits.count / 64))
        let results = Mutex<[[[UInt32]]]>(Array(repeating: [], count: slices))
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let part = bits[(slice * bits.count / slices)..<((slice + 1) * bits.count / slices)]
            let forms = part.map { OutputBitForm(outputIndex: $0.outputIndex, bit: $0.bit).words }
            results.withLock { $0[slice] = forms }
        }
        return results.withLock { Array($0.joined()) }
    }

    /// The form's value for a seeded state.
    public func evaluate(_ state: [UInt32]) -> UInt32 {
        var accumulated: UInt32 = 0
        for (word, mask) in zip(state, words) { accumulated ^= word & mask }
        return UInt32(accumulated.nonzeroBitCount & 1)
    }

    /// MT19937's MATRIX_A, the twist's feedback constant.
    private static let matrix: UInt32 = 0x9908_B0DF

    /// Row b: the state-word bits whose parity is bit b of the tempered word (tempering is linear).
    private static let temperingRows: [UInt32] = {
        var rows = [UInt32](repeating: 0, count: 32)
        for input in 0..<32 {
            let column = TorchMersenneTwister.temper(1 << UInt32(input))
            for bit in 0..<32 where column >> UInt32(bit) & 1 == 1 { rows[bit] |= 1 << UInt32(input) }
        }
        return rows
    }()
}
