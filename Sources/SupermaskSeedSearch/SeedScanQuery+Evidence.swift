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
    /// search of `seeds` seeds on `threads` threads; nil when it would not pay (`rowsToCombine`): too few bits, too
    /// few seeds to repay the preparation, or signs that cannot beat the sign kernel.
    ///
    /// With σ known, a normal layer's radii and angles give about 19 bits per output, taken pair by pair until
    /// there are enough; reaching past 624 outputs, the bits are dependent and a misread one (a wrong σ) shows as a
    /// contradiction, after which the angles alone are combined.
    static func reduced(_ evidence: SeedEvidence, threads: Int, seeds: UInt64) -> SeedScanQuery? {
        let size = TorchMersenneTwister.stateSize
        var candidates: [(rows: [KnownOutputBit], kind: String)] = []
        if evidence.kind == .normal, let deviation = evidence.radiusDeviation {
            var rows: [KnownOutputBit] = []
            var last = 0
            for pair in evidence.pairs where rows.count < eliminationRows {
                rows += BoxMullerInversion.radiusBits(of: [pair], deviation: deviation) + BoxMullerInversion.angleBits(of: [pair])
                last = pair.angleOutput
            }
            if last >= evidence.layer.initOffset + size + 32 { candidates.append((rows, "radius and angle")) }
        }
        candidates.append((Array(evidence.bits.prefix(eliminationRows)), evidence.kind == .signs ? "sign" : "angle"))
        for (rows, kind) in candidates {
            let deepest = rows.map(\.outputIndex).max() ?? 0
            let count = rowsToCombine(
                available: rows.count, regenerations: deepest / size + 1, seeds: seeds, threads: threads,
                plainCost: evidence.kind == .signs ? signKernelCost : parityKernelCost(words: size))
            guard count > 0 else { continue }
            let combined = Array(rows.prefix(count))
            let forms = OutputBitForm.forms(of: combined, threads: threads)
            guard let reduced = FormElimination.reduce(forms: forms, expected: combined.map(\.value), keep: bitsPerSeed),
                  reduced.forms.count >= SeedEvidence.minimumBits, reduced.wordCount < size else { continue }
            let query = SeedScanQuery(forms: reduced.forms, expected: reduced.expected, wordCount: reduced.wordCount)
            query.combined = (combined.count, kind)
            return query
        }
        return nil
    }

    /// How many of `available` rows to combine (0: none) for the most time saved over `seeds` seeds, from costs
    /// measured on Zen 3 with AVX2: the kernels' (`signKernelCost`, `parityKernelCost`); R rows leave forms over
    /// about 624 − (0.9·R − 96)/32 words (a tenth of the rows turn out dependent; at least 4 words remain, the state
    /// having 19,937 free bits, not 624·32); each row's form costs one pass over the state per regeneration before
    /// its output (2.5 ns per word), and the elimination about 1.2·10⁻⁸ s · R². So 24,576 rows near the stream's
    /// start take a Kaiming-normal search of all 2³² seeds from ~6 minutes on two cores to well under one; FC's
    /// normal draws, 756 regenerations deep, need ~25 s of preparation, worth it over all seeds but not over a
    /// sixty-fourth of them.
    static func rowsToCombine(available: Int, regenerations: Int, seeds: UInt64, threads: Int, plainCost: Double) -> Int {
        let threads = Double(max(1, threads))
        var best = 0, bestGain = 0.0
        for rows in stride(from: 1_024, through: eliminationRows, by: 1_024) where rows <= available {
            let words = max(4, TorchMersenneTwister.stateSize - (rows * 9 / 10 - 96) / 32)
            let saved = Double(seeds) * (plainCost - parityKernelCost(words: words)) / threads
            let cost = Double(rows * regenerations * TorchMersenneTwister.stateSize) * 2.5e-9 / threads + 1.2e-8 * Double(rows * rows)
            if saved - cost > bestGain { (best, bestGain) = (rows, saved - cost) }
        }
        return best
    }

    /// Seconds per seed and thread of the sign kernel.
    static let signKernelCost = 25e-9

    /// Seconds per seed and thread of the parity kernel over `words` state words.
    static func parityKernelCost(words: Int) -> Double { 4e-9 + 0.27e-9 * Double(words) }

    /// How many known bits the elimination combines at most: past the 19,937 free bits of MT19937's state, so that
    /// a layer with enough bits leaves forms over a handful of words.
    static let eliminationRows = 24_576
}
