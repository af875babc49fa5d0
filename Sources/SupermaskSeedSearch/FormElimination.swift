/// Gaussian elimination over GF(2) that trades many known bits for a shorter seeding recurrence per seed.
///
/// Each known bit is a form over the 624 words of the seeded state, so the parity kernel computes all 624 words
/// of the recurrence per seed. A sum of known bits is a known bit whose form is the sum of their forms;
/// eliminating the state's last words from R forms (up to 32 pivots per word) leaves about R − 32·(624 − m)
/// forms over the first m words only, and the kernel's cost falls with m.
///
/// Bits of more than 624 consecutive outputs are linearly dependent (MT19937 has 19,937 bits of state, not
/// 624 · 32): such sums become zero. A zero sum of bits whose values add to 1 means a bit was misread, and the
/// elimination says so.
///
/// The 32 columns of a word are eliminated together, in the manner of the "method of four Russians" (M4RI): the
/// pivots are found on that word alone, recording which pivots each row takes, and the rows' other words then
/// take the pivots 8 at a time from tables of their 256 sums — one pass over the rows per word, not per column.
enum FormElimination {
    /// The result: forms over `wordCount` words (each `wordCount` long) and their values.
    struct Reduced {
        var forms: [[UInt32]]
        var expected: [UInt32]
        var wordCount: Int
    }

    private static let words = 624

    /// Eliminates the state's words from the last down and returns `keep` linearly independent forms over as few
    /// words as they allow, or fewer over the whole state when there are not that many. Returns nil when the bits
    /// contradict each other.
    static func reduce(forms: [[UInt32]], expected: [UInt32], keep: Int) -> Reduced? {
        var matrix = [UInt32](repeating: 0, count: forms.count * words)
        for (row, form) in forms.enumerated() { matrix.replaceSubrange(row * words..<(row + 1) * words, with: form) }
        var values = expected
        var active = Array(forms.indices)
        var wordCount = words
        var tables = [UInt32](repeating: 0, count: 4 * 256 * words)
        // The rows left before each of the last words, once they are few: dependent rows only show as such (zero)
        // when their last word is eliminated, so how far to go is decided afterwards, from their rank.
        var stages: [Reduced] = []
        let consistent: Bool = matrix.withUnsafeMutableBufferPointer { matrix in
            tables.withUnsafeMutableBufferPointer { tables in
                let base = matrix.baseAddress!, tableBase = tables.baseAddress!
                func stage() -> Reduced {
                    Reduced(
                        forms: active.map { Array(UnsafeBufferPointer(start: base + $0 * words, count: wordCount)) },
                        expected: active.map { values[$0] }, wordCount: wordCount)
                }
                while wordCount > 1 && active.count >= keep {
                    if active.count <= stageRows { stages.append(stage()) }
                    let word = wordCount - 1
                    eliminate(word: word, rows: &active, values: &values, matrix: base, tables: tableBase)
                    wordCount = word
                    // Rows now zero everywhere are dependencies: they carry no test, and must add up to 0.
                    var contradiction = false
                    active.removeAll { row in
                        let form = base + row * words
                        guard (0..<wordCount).allSatisfy({ form[$0] == 0 }) else { return false }
                        if values[row] != 0 { contradiction = true }
                        return true
                    }
                    if contradiction { return false }
                }
                if active.count <= stageRows { stages.append(stage()) }
                return true
            }
        }
        guard consistent else { return nil }
        for stage in stages.reversed() {
            let basis = independent(stage, limit: keep)
            if basis.forms.count == keep { return basis }
        }
        return stages.first.map { independent($0, limit: keep) }
    }

    /// Below this many rows the elimination keeps each stage's rows.
    private static let stageRows = 4_096

    /// Up to `limit` linearly independent forms spanning part of `stage`'s, with their values: each row is reduced
    /// by the ones kept so far (each with its own leading bit) and kept if anything remains.
    private static func independent(_ stage: Reduced, limit: Int) -> Reduced {
        var basis = Reduced(forms: [], expected: [], wordCount: stage.wordCount)
        var leads: [(word: Int, mask: UInt32)] = []
        for (form, value) in zip(stage.forms, stage.expected) where basis.forms.count < limit {
            var form = form, value = value
            for (index, lead) in leads.enumerated() where form[lead.word] & lead.mask != 0 {
                for word in 0..<stage.wordCount { form[word] ^= basis.forms[index][word] }
                value ^= basis.expected[index]
            }
            guard let word = form.lastIndex(where: { $0 != 0 }) else { continue }
            leads.append((word, UInt32(1) << UInt32(31 - form[word].leadingZeroBitCount)))
            basis.forms.append(form)
            basis.expected.append(value)
        }
        return basis
    }

    /// Clears word `word` of every row in `rows`, removing the pivots used from `rows`; words above it are zero
    /// already, words below take the pivots' sums.
    private static func eliminate(
        word: Int, rows: inout [Int], values: inout [UInt32], matrix: UnsafeMutablePointer<UInt32>,
        tables: UnsafeMutablePointer<UInt32>
    ) {
        // Column by column on this word alone: which rows become pivots, and which pivots each row takes.
        var current = rows.map { matrix[$0 * words + word] }
        var taken = [UInt32](repeating: 0, count: rows.count)
        var pivots: [Int] = []  // positions in `rows`, in the order chosen
        var isPivot = [Bool](repeating: false, count: rows.count)
        for bit in stride(from: 31, through: 0, by: -1) {
            let mask = UInt32(1) << UInt32(bit)
            guard let pivot = current.indices.first(where: { !isPivot[$0] && current[$0] & mask != 0 }) else { continue }
            let number = UInt32(pivots.count)
            isPivot[pivot] = true
            pivots.append(pivot)
            for position in current.indices where !isPivot[position] && current[position] & mask != 0 {
                current[position] ^= current[pivot]
                taken[position] |= 1 << number
                values[rows[position]] ^= values[rows[pivot]]
            }
        }
        guard !pivots.isEmpty else { return }
        // Each pivot was itself reduced by the pivots before it: make its words below `word` what they were when
        // it was chosen.
        for pivot in pivots {
            let target = matrix + rows[pivot] * words
            var mask = taken[pivot]
            while mask != 0 {
                let earlier = mask.trailingZeroBitCount
                mask &= mask - 1
                xor(target, matrix + rows[pivots[earlier]] * words, count: word)
            }
        }
        // Tables of the sums of each group of 8 pivots, then every other row takes its sums.
        let groups = (pivots.count + 7) / 8
        for group in 0..<groups {
            let table = tables + group * 256 * words
            for index in 0..<word { table[index] = 0 }
            for combination in 1..<256 {
                let lowest = combination.trailingZeroBitCount
                let member = group * 8 + lowest
                let entry = table + combination * words
                guard member < pivots.count else {
                    for index in 0..<word { entry[index] = 0 }
                    continue
                }
                let rest = table + (combination & (combination - 1)) * words
                let pivot = matrix + rows[pivots[member]] * words
                for index in 0..<word { entry[index] = rest[index] ^ pivot[index] }
            }
        }
        for position in rows.indices where !isPivot[position] && taken[position] != 0 {
            let target = matrix + rows[position] * words
            for group in 0..<groups {
                let combination = Int(taken[position] >> UInt32(8 * group) & 0xFF)
                if combination != 0 { xor(target, tables + (group * 256 + combination) * words, count: word) }
            }
            target[word] = 0
        }
        rows = rows.indices.filter { !isPivot[$0] }.map { rows[$0] }
    }

    @inline(__always)
    private static func xor(_ target: UnsafeMutablePointer<UInt32>, _ source: UnsafePointer<UInt32>, count: Int) {
        for index in 0..<count { target[index] ^= source[index] }
    }
}
