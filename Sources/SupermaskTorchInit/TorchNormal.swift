import CSupermaskTorchKernels
#if canImport(Glibc)
import Glibc
#endif

/// `Tensor.normal_(mean, std)` on a contiguous float32 CPU tensor of at least 16 elements: torch's `normal_fill`
/// (docs/torch-init.md §3).
///
/// All n uniforms are drawn first (the low 24 bits of one output each, as in `uniform_(0, 1)`); then each block
/// of 16 is transformed by Box–Muller, pairing value j with value j + 8: u1 = 1 − v[j] and u2 = v[j + 8] give
/// r·cos θ at j and r·sin θ at j + 8. When n is not a multiple of 16, 16 new outputs overwrite the last 16 values
/// and that block is transformed again, so a tensor takes n + 16 draws.
public enum TorchNormal {
    /// The smallest tensor `normal_fill` handles; smaller ones take torch's scalar path, which this does not reproduce.
    public static let minimumCount = 16

    /// The number of outputs `normal_` draws for `count` elements (`count` ≥ 16).
    public static func drawCount(_ count: Int) -> Int { count + (count % 16 == 0 ? 0 : 16) }

    /// Fills `values` (at least 16 of them) as `normal_(mean, std)` does under `profile`; `vectorised` picks the
    /// AVX2 kernel for avx_mathfun when the CPU has it (the same bits as the scalar code).
    public static func fill(
        _ values: UnsafeMutableBufferPointer<Float>, mean: Double, standardDeviation: Double, profile: TorchProfile,
        generator: inout TorchMersenneTwister, vectorised: Bool = TorchVectorKernels.isAvailable
    ) {
        let count = values.count
        precondition(count >= minimumCount, "TorchNormal.fill: \(count) elements take torch's scalar path")
        let scale = Float(standardDeviation), offset = Float(mean)
        let math = profile.normalMath
        fillUniform(values, generator: &generator)
        transform(values.baseAddress!, blocks: count / 16, scale: scale, offset: offset, math: math, vectorised: vectorised)
        if count % 16 != 0 {
            let tail = UnsafeMutableBufferPointer(rebasing: values[(count - 16)...])
            fillUniform(tail, generator: &generator)
            transform(tail.baseAddress!, blocks: 1, scale: scale, offset: offset, math: math, vectorised: vectorised)
        }
    }

    /// `count` values of `normal_(mean, std)`.
    public static func values(
        count: Int, mean: Double, standardDeviation: Double, profile: TorchProfile, generator: inout TorchMersenneTwister
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            fill(buffer, mean: mean, standardDeviation: standardDeviation, profile: profile, generator: &generator)
            initialised = count
        }
    }

    /// v = k · 2⁻²⁴ with k the low 24 bits of each output: `uniform_(0, 1)` without the arithmetic.
    private static func fillUniform(_ values: UnsafeMutableBufferPointer<Float>, generator: inout TorchMersenneTwister) {
        values.withMemoryRebound(to: UInt32.self) { raw in
            generator.fill(raw)
            for index in raw.indices { raw[index] = (Float(raw[index] & 0xFF_FFFF) * TorchUniform.unit).bitPattern }
        }
    }

    /// Box–Muller on `blocks` consecutive blocks of 16 uniforms, in place.
    static func transform(
        _ data: UnsafeMutablePointer<Float>, blocks: Int, scale: Float, offset: Float, math: NormalMath, vectorised: Bool
    ) {
        if math == .avxMathFun, vectorised {
            smt_normal_blocks_avx2(data, blocks, scale, offset)
            return
        }
        for block in 0..<blocks {
            let values = data + 16 * block
            for j in 0..<8 {
                let (cosine, sine) = pair(u1: 1 - values[j], u2: values[j + 8], math: math)
                values[j] = scaled(cosine, scale: scale, offset: offset)
                values[j + 8] = scaled(sine, scale: scale, offset: offset)
            }
        }
    }

    /// fma(value, scale, offset), torch's last step. For offset +0 (every init here) that is value · scale + 0:
    /// the product is rounded once either way and adding +0 turns −0 into +0 as the fma does, without a libm call.
    @inline(__always)
    private static func scaled(_ value: Float, scale: Float, offset: Float) -> Float {
        offset.bitPattern == 0 ? value * scale + 0 : offset.addingProduct(value, scale)
    }

    /// r·cos θ and r·sin θ, each rounded to float32, for r = √(−2 ln u1) and θ = 2π·u2.
    @inline(__always)
    static func pair(u1: Float, u2: Float, math: NormalMath) -> (Float, Float) {
        let r = radius(u1: u1, math: math)
        let (sine, cosine) = sineAndCosine(u2: u2, math: math)
        return (r * cosine, r * sine)
    }

    /// √(−2 ln u1) with `math`'s logarithm and a correctly rounded square root.
    @inline(__always)
    static func radius(u1: Float, math: NormalMath) -> Float {
        switch math {
        case .avxMathFun:
            return (-2 * AVXMathFun.log(u1)).squareRoot()
        case .glibc:
            #if canImport(Glibc)
            return (-2 * logf(u1)).squareRoot()
            #else
            preconditionFailure("TorchNormal: the glibc profile needs glibc (check TorchProfile.isAvailable)")
            #endif
        }
    }

    /// sin θ and cos θ of θ = 2π·u2, with the angle rounded as each implementation computes it.
    @inline(__always)
    static func sineAndCosine(u2: Float, math: NormalMath) -> (sin: Float, cos: Float) {
        switch math {
        case .avxMathFun:
            // float32(2π) times u2, a float product.
            return AVXMathFun.sincos(Float(bitPattern: 0x40C9_0FDB) * u2)
        case .glibc:
            #if canImport(Glibc)
            // `2.0f * c10::pi<double> * u2`: a double product, rounded once to float.
            let angle = Float(6.283185307179586 * Double(u2))
            return (sinf(angle), cosf(angle))
            #else
            preconditionFailure("TorchNormal: the glibc profile needs glibc (check TorchProfile.isAvailable)")
            #endif
        }
    }
}
