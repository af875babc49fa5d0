extension PillowResample {
    /// Which input samples feed each output sample along one axis, and with what fixed-point weights: Pillow's
    /// `precompute_coeffs` (box = the whole axis) followed by `normalize_coeffs_8bpc`.
    struct Coefficients {
        /// The first input index per output index.
        var first: [Int]
        /// How many inputs per output index.
        var count: [Int]
        /// `stride` weights per output index, zero-padded.
        var weights: [Int32]
        /// The largest possible `count`.
        var stride: Int

        /// The coefficients of the output indices `outputs` only (stored from index 0): each output's taps
        /// depend on its own index alone.
        init(inputSize: Int, outputSize: Int, outputs: Range<Int>, filter: ResampleFilter) {
            // Pillow passes the box as floats; `in1 − in0` is exact for every size the image limits allow.
            let scale = Double(Float(inputSize)) / Double(outputSize)
            let filterScale = max(scale, 1.0)
            let support = filter.support * filterScale
            stride = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: outputs.count)
            count = [Int](repeating: 0, count: outputs.count)
            weights = [Int32](repeating: 0, count: outputs.count * stride)
            let inverseFilterScale = 1.0 / filterScale
            var taps = [Double](repeating: 0, count: stride)
            for (slot, output) in outputs.enumerated() {
                let center = 0.0 + (Double(output) + 0.5) * scale
                // C's (int) cast truncates toward zero, as Int(_:) does.
                let low = max(0, Int(center - support + 0.5))
                let high = min(inputSize, Int(center + support + 0.5))
                let length = max(0, high - low)
                var total = 0.0
                for tap in 0..<length {
                    let weight = filter.weight((Double(tap + low) - center + 0.5) * inverseFilterScale)
                    taps[tap] = weight
                    total += weight
                }
                for tap in 0..<length {
                    let normalised = total != 0 ? taps[tap] / total : taps[tap]
                    weights[slot * stride + tap] = Self.fixedPoint(normalised)
                }
                first[slot] = low
                count[slot] = length
            }
        }

        /// The input indices any of these outputs reads (the bounds grow with the output index).
        var inputRange: Range<Int> {
            guard let last = first.indices.last else { return 0..<0 }
            return first[0]..<max(first[0], first[last] + count[last])
        }

        /// The same coefficients for an input that starts `offset` samples later (a negative offset for an input
        /// cut to `inputRange`).
        func shifted(by offset: Int) -> Coefficients {
            var shifted = self
            shifted.first = first.map { $0 + offset }
            return shifted
        }

        /// `(int)(w · 2^22 ± 0.5)`: round half away from zero.
        private static func fixedPoint(_ weight: Double) -> Int32 {
            let scaled = weight * Double(1 << PillowResample.precisionBits)
            return Int32(weight < 0 ? -0.5 + scaled : 0.5 + scaled)
        }
    }
}
