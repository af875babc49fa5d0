import SupermaskCore

/// Encoding and decoding of the kept weights of one layer in each stored mode.
enum KeptWeights {
    /// The kept weights of `weights` under `mask` (all of them when there is no mask), in flat order.
    static func kept(_ weights: [Float], mask: BitMask?) -> [Float] {
        guard let mask else { return weights }
        var result: [Float] = []
        result.reserveCapacity(mask.keptCount)
        for (wordIndex, word) in mask.words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                result.append(weights[wordIndex * 64 + bits.trailingZeroBitCount])
                bits &= bits - 1
            }
        }
        return result
    }

    /// The layer's constant magnitude if every kept weight is ±m or ±0 (compared as bits), else `nil`.
    ///
    /// Zeros occur: hidden-networks' signed constant is sign(w₀)·σ, and sign(0) = 0; among the 25 M weights
    /// of a ResNet-50 one or two draws of exactly 0 are to be expected.
    static func signedConstant(_ kept: [Float]) -> Float? {
        let magnitude = kept.first { $0.magnitude.bitPattern != 0 }?.magnitude ?? 0
        let allowed = magnitude.bitPattern
        return kept.allSatisfy { $0.magnitude.bitPattern == allowed || $0.magnitude.bitPattern == 0 } ? magnitude : nil
    }

    static func encode(_ kept: [Float], mode: WeightMode) throws -> [UInt8] {
        var writer = ByteWriter()
        switch mode {
        case .seed, .torchSeed: break
        case .fp32: writer.append(floats: kept)
        case .fp16:
            for value in kept {
                let half = Float16(value)
                guard half.isFinite else { throw SupermaskError("weight \(value) is outside the range of fp16 (±65504)") }
                writer.append(half.bitPattern)
            }
        case .bf16:
            for value in kept { writer.append(bfloat16Bits(value)) }
        case .signed:
            guard let magnitude = signedConstant(kept) else { throw SupermaskError("kept weights have more than one magnitude") }
            writer.append(magnitude)
            let zeros = magnitude == 0 ? [] : kept.indices.filter { kept[$0].magnitude.bitPattern == 0 }
            writer.append(UInt32(zeros.count))
            for index in zeros { writer.append(UInt32(index)) }
            var signs = [UInt8](repeating: 0, count: (kept.count + 7) / 8)
            for (index, value) in kept.enumerated() where value.sign == .minus { signs[index >> 3] |= 1 << (index & 7) }
            writer.append(bytes: signs)
        }
        return writer.bytes
    }

    /// The kept weights of a layer with `count` of them stored in `bytes` under `mode` (not a regenerated one).
    static func decode(_ bytes: ArraySlice<UInt8>, mode: WeightMode, count: Int) throws -> [Float] {
        var reader = ByteReader(bytes)
        var result: [Float]
        switch mode {
        case .seed, .torchSeed:
            result = []
        case .fp32:
            result = try reader.readFloats(count, "the kept weights")
        case .fp16, .bf16:
            guard bytes.count == 2 * count else {
                throw SupermaskError("\(mode) weights take \(bytes.count) bytes, expected \(2 * count) for \(count) kept weights")
            }
            result = try (0..<count).map { _ in
                let bits = try reader.read(UInt16.self, "the kept weights")
                return mode == .fp16 ? Float(Float16(bitPattern: bits)) : Float(bitPattern: UInt32(bits) << 16)
            }
        case .signed:
            let magnitude = try reader.readFloat("the layer's constant")
            let zeroCount = Int(try reader.read(UInt32.self, "the zero count"))
            guard zeroCount <= count, zeroCount <= reader.remaining / 4 else {
                throw SupermaskError("zero count \(zeroCount) is impossible for \(count) kept weights in \(bytes.count) bytes")
            }
            var isZero = [Bool](repeating: false, count: count)
            var previous = -1
            for _ in 0..<zeroCount {
                let index = Int(try reader.read(UInt32.self, "the zero positions"))
                guard index > previous, index < count else { throw SupermaskError("zero position \(index) is out of order or past \(count)") }
                isZero[index] = true
                previous = index
            }
            guard reader.remaining == (count + 7) / 8 else {
                throw SupermaskError("signs take \(reader.remaining) bytes, expected \((count + 7) / 8) for \(count) kept weights")
            }
            let signs = try reader.readBytes((count + 7) / 8, "the signs")
            result = (0..<count).map { index in
                let value = isZero[index] ? 0 : magnitude
                return signs[signs.startIndex + index >> 3] & (1 << (index & 7)) != 0 ? -value : value
            }
        }
        try reader.expectEnd("the weights")
        return result
    }

    /// float32 → bfloat16 by round-to-nearest-even on the bit pattern (values are finite).
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// Places `kept` back at the mask's positions; dropped weights become 0 (a container does not hold them).
    static func scatter(_ kept: [Float], mask: BitMask?, count: Int) -> [Float] {
        guard let mask else { return kept }
        var result = [Float](repeating: 0, count: count)
        var next = 0
        for (wordIndex, word) in mask.words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                result[wordIndex * 64 + bits.trailingZeroBitCount] = kept[next]
                next += 1
                bits &= bits - 1
            }
        }
        return result
    }
}
