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

    /// A test over fewer words of the state, from sums of many of `evidence`'s bits (`FormElimination`), or nil
    /// when that would not pay: signs (the sign kernel already needs only ~400 words) or too few bits.
    ///
    /// With σ known, the radii and angles of the layer's first `radiusWindow` outputs give about 19 bits per output;
    /// the window reaches past 624 outputs so that the bits are dependent and a misread one (a wrong σ) shows as a
    /// contradiction. Otherwise the angles alone are combined. The forms of outputs deep in the stream cost one
    /// pass over the state per regeneration each, so their number is capped by `formStepBudget`.
    static func reduced(_ evidence: SeedEvidence, threads: Int) -> SeedScanQuery? {
        guard evidence.kind == .normal else { return nil }
        let size = TorchMersenneTwister.stateSize
        let windowEnd = evidence.layer.initOffset + radiusWindow
        let rowCap = min(eliminationRows, formStepBudget / ((windowEnd / size + 1) * size))
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

    /// The outputs of a normal layer whose radius bits are combined: 42 blocks of 16, past one regeneration.
    static let radiusWindow = 672

    /// How many known bits the elimination combines at most: enough to take the parity kernel from 624 words to
    /// about 220, few enough that the elimination takes seconds.
    static let eliminationRows = 13_440

    /// The adjoint steps all forms may take together: about 2 s on one core.
    static let formStepBudget = 1_000_000_000
}
