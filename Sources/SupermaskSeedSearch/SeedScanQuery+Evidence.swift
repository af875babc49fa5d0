import SupermaskTorchInit

extension SeedScanQuery {
    /// The test of 64 of `evidence`'s bits: the sign kernel for signs among the stream's first 227 outputs (about
    /// 400 steps of the seeding recurrence per seed), else the parity kernel over the whole state (624 steps).
    static func plain(_ evidence: SeedEvidence) -> SeedScanQuery {
        if evidence.kind == .signs {
            let early = evidence.bits.filter { $0.bit == 23 && $0.outputIndex < 227 }.prefix(bitsPerSeed)
            if early.count >= SeedEvidence.minimumBits {
                return SeedScanQuery(signOutputs: early.map(\.outputIndex), expected: early.map(\.value))
            }
        }
        let bits = Array(evidence.bits.prefix(bitsPerSeed))
        let forms = bits.map { OutputBitForm(outputIndex: $0.outputIndex, bit: $0.bit).words }
        return SeedScanQuery(forms: forms, expected: bits.map(\.value), wordCount: TorchMersenneTwister.stateSize)
    }

    /// A test over fewer words of the state, from sums of many of `evidence`'s bits (`FormElimination`), for a
    /// search of `seeds` seeds on `threads` threads; nil when that would not pay: signs (the sign kernel already
    /// needs only ~400 words), too few bits, or too few seeds to repay the preparation (`affordableRows`).
    ///
    /// With σ known, the radii and angles of the layer's first `radiusWindow` outputs give about 19 bits per output;
    /// the window reaches past 624 outputs so that the bits are dependent and a misread one (a wrong σ) shows as a
    /// contradiction. Otherwise the angles alone are combined.
    static func reduced(_ evidence: SeedEvidence, threads: Int, seeds: UInt64) -> SeedScanQuery? {
        guard evidence.kind == .normal else { return nil }
        let size = TorchMersenneTwister.stateSize
        let windowEnd = evidence.layer.initOffset + radiusWindow
        let rowCap = affordableRows(regenerations: windowEnd / size + 1, seeds: seeds, threads: threads)
        var candidates: [[KnownOutputBit]] = []
        if let deviation = evidence.radiusDeviation {
            let window = evidence.pairs.filter { $0.angleOutput < windowEnd }
            let rows = window.flatMap { BoxMullerInversion.radiusBits(of: [$0], deviation: deviation) + BoxMullerInversion.angleBits(of: [$0]) }
            if rows.count <= rowCap, let last = window.last, last.angleOutput >= evidence.layer.initOffset + size { candidates.append(rows) }
        }
        candidates.append(Array(evidence.bits.prefix(rowCap)))
        for rows in candidates where rows.count >= bitsPerSeed + 64 {
            let forms = OutputBitForm.forms(of: rows, threads: threads)
            guard let reduced = FormElimination.reduce(forms: forms, expected: rows.map(\.value), keep: bitsPerSeed),
                  reduced.forms.count >= SeedEvidence.minimumBits, reduced.wordCount < size else { continue }
            let query = SeedScanQuery(forms: reduced.forms, expected: reduced.expected, wordCount: reduced.wordCount)
            query.combinedBits = rows.count
            return query
        }
        return nil
    }

    /// How many rows to combine (0: none) for the most time saved over `seeds` seeds, as measured on Zen 3: every
    /// 32 rows take a state word off each seed's test (0.27 ns per seed and thread); each row's form costs one pass
    /// over the state per regeneration before the output (2.5 ns per word), and the elimination about
    /// 1.2·10⁻⁸ s · rows². FC's normal draws, 756 regenerations deep, need about 10 s of preparation for 13,440
    /// rows, which saves about 4 minutes over all 2³² seeds but not over a sixty-fourth of them.
    static func affordableRows(regenerations: Int, seeds: UInt64, threads: Int) -> Int {
        let threads = Double(max(1, threads))
        var best = 0, bestGain = 0.0
        for rows in stride(from: 1_024, through: eliminationRows, by: 1_024).map({ $0 }) + [eliminationRows] {
            let saved = Double(seeds) * Double(rows - 96) / 32 * 0.27e-9 / threads
            let cost = Double(rows * regenerations * TorchMersenneTwister.stateSize) * 2.5e-9 / threads + 1.2e-8 * Double(rows * rows)
            if saved - cost > bestGain { (best, bestGain) = (rows, saved - cost) }
        }
        return best
    }

    /// The outputs of a normal layer whose radius bits are combined: 42 blocks of 16, past one regeneration.
    static let radiusWindow = 672

    /// How many known bits the elimination combines at most: enough to take the parity kernel from 624 words to
    /// about 240, few enough that the elimination takes seconds.
    static let eliminationRows = 13_440
}
