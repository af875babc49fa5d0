import CSeedSearch

/// The compiled brute-force kernels for one instruction set.
///
/// `@unchecked Sendable`: the table is a constant in the C library, never written.
public struct SeedScanKernels: @unchecked Sendable {
    /// What the kernels were compiled for (`avx2` or `portable`).
    public let name: String
    let table: UnsafePointer<sss_kernel_table>

    /// The AVX2 kernels, when this CPU has AVX2.
    public static let avx2: SeedScanKernels? = sss_cpu_supports_avx2() != 0 ? SeedScanKernels(name: "avx2", table: sss_kernels_avx2()) : nil
    /// The kernels for the baseline instruction set, which run anywhere (about 4× slower than AVX2 on Zen 3).
    public static let portable = SeedScanKernels(name: "portable", table: sss_kernels_portable())
    /// The fastest kernels this CPU runs.
    public static var preferred: SeedScanKernels { avx2 ?? portable }
}

/// One evidence's test in the form the C kernels take, and the scan of a range of seeds with it.
///
/// Signs at stream offset 0 use the sign kernel (bit 23 of output i < 227 is a parity of s[i+1] and s[i+397]:
/// about 400 steps of the seeding recurrence per seed); anything else, the parity kernel over the whole seeded
/// state with one GF(2)-linear form per known bit (`OutputBitForm`).
final class SeedScanQuery: @unchecked Sendable {
    private enum Test {
        case signs(sss_sign_query)
        case parities(wordCount: Int, filterForms: [UInt32], filterExpected: UInt32, confirmForms: [UInt32], confirmExpected: [UInt8])
    }

    private let test: Test
    /// How many known bits (or sums of them) a seed must match to come out of the kernel.
    let testedBits: Int
    /// How many words of the seeded state the kernel computes per seed (the sign kernel: up to 460).
    private(set) var wordCount = 0
    /// How many known bits, of which kind, were summed into the forms tested, when they came from `FormElimination`.
    var combined: (bits: Int, kind: String)?

    /// What the kernel computes, for reports: "signs kernel, 64 bits" or "parities kernel over 5 of 624 state
    /// words, 64 sums of 20480 radius and angle bits".
    var summary: String {
        switch test {
        case .signs: return "signs kernel, \(testedBits) bits"
        case .parities:
            let sums = combined.map { "\(testedBits) sums of \($0.bits) \($0.kind) bits" } ?? "\(testedBits) bits"
            return "parities kernel over \(wordCount) of 624 state words, \(sums)"
        }
    }
    /// Bits tested per seed by the kernels: enough that a false seed passes about once in 2⁶⁴ seeds.
    static let bitsPerSeed = 64

    /// The sign kernel's test: bit 23 of output `outputs[k]` is `expected[k]` (1 ... 64 outputs, strictly
    /// increasing, each below 227).
    init(signOutputs outputs: [Int], expected: [UInt32]) {
        precondition((1...Int(SSS_MAX_SIGN_BITS)).contains(outputs.count) && outputs.count == expected.count
                     && zip(outputs, outputs.dropFirst()).allSatisfy { $0 < $1 } && outputs.allSatisfy { (0..<227).contains($0) },
                     "SeedScanQuery: sign outputs \(outputs)")
        var query = sss_sign_query()
        withUnsafeMutableBytes(of: &query.outputs) { bytes in
            for (index, output) in outputs.enumerated() { bytes[index] = UInt8(output) }
        }
        for (index, bit) in expected.enumerated() { query.expected |= UInt64(bit & 1) << UInt64(index) }
        query.bitCount = Int32(outputs.count)
        test = .signs(query)
        testedBits = outputs.count
        wordCount = 397 + outputs[outputs.count - 1]
    }

    /// The parity kernel's test: parity(Σⱼ s[j] & forms[i][j]) = expected[i] for the seeded state s, over its first
    /// `wordCount` words; at least `SSS_FILTER_BITS` forms of `wordCount` words.
    init(forms: [[UInt32]], expected: [UInt32], wordCount: Int) {
        let filterBits = Int(SSS_FILTER_BITS)
        precondition(forms.count == expected.count && forms.count >= filterBits && (1...624).contains(wordCount)
                     && forms.allSatisfy { $0.count == wordCount }, "SeedScanQuery: \(forms.count) forms")
        // The filter's forms are laid out word by word, each word repeated across the kernel's 8 lanes.
        var filterForms = [UInt32](repeating: 0, count: wordCount * filterBits * 8)
        var filterExpected: UInt32 = 0
        for b in 0..<filterBits {
            for j in 0..<wordCount {
                for lane in 0..<8 { filterForms[(j * filterBits + b) * 8 + lane] = forms[b][j] }
            }
            filterExpected |= (expected[b] & 1) << UInt32(b)
        }
        test = .parities(
            wordCount: wordCount, filterForms: filterForms, filterExpected: filterExpected,
            confirmForms: Array(forms.dropFirst(filterBits).joined()),
            confirmExpected: expected.dropFirst(filterBits).map { UInt8($0 & 1) })
        testedBits = forms.count
        self.wordCount = wordCount
    }

    /// The seeds in `first ..< first + count` (first + count ≤ 2³²) that pass the test, in increasing order,
    /// at most `capacity` of them; and how many passed.
    func scan(first: UInt64, count: UInt64, kernels: SeedScanKernels, capacity: Int = 64) -> (hits: [UInt32], passed: Int) {
        var hits = [UInt32](repeating: 0, count: capacity)
        let passed: Int = hits.withUnsafeMutableBufferPointer { buffer in
            switch test {
            case .signs(var query):
                return kernels.table.pointee.scanSigns(&query, first, count, buffer.baseAddress!, capacity)
            case .parities(let wordCount, let filterForms, let filterExpected, let confirmForms, let confirmExpected):
                return filterForms.withUnsafeBufferPointer { filter in
                    confirmForms.withUnsafeBufferPointer { confirm in
                        confirmExpected.withUnsafeBufferPointer { expected in
                            var query = sss_parity_query(
                                wordCount: Int32(wordCount), filterForms: filter.baseAddress!, filterExpected: filterExpected,
                                confirmForms: confirm.baseAddress, confirmExpected: expected.baseAddress,
                                confirmCount: Int32(expected.count))
                            return kernels.table.pointee.scanParities(&query, first, count, buffer.baseAddress!, capacity)
                        }
                    }
                }
            }
        }
        return (Array(hits.prefix(min(passed, capacity))), passed)
    }
}
