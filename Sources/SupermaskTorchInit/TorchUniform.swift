import CSupermaskTorchKernels

/// `Tensor.uniform_(from, to)` on a float32 CPU tensor: one 32-bit output per element, of which only the low
/// 24 bits are used (docs/torch-init.md §2).
public enum TorchUniform {
    /// 2⁻²⁴: a 24-bit integer times this is an exact float in [0, 1).
    static let unit: Float = 1.0 / 16_777_216.0

    /// The bounds as the kernel holds them: float32 `from` and the float32 width `to − from`.
    public struct Range: Sendable, Equatable {
        /// float32(from).
        public let from: Float
        /// float32(to).
        public let to: Float
        /// to − from in float32.
        public let width: Float

        /// `from` and `to` as Python passes them (doubles), rounded to float32 as torch's kernel does.
        public init(from: Double, to: Double) {
            self.from = Float(from)
            self.to = Float(to)
            width = self.to - self.from
        }

        /// The symmetric range (−bound, bound) of Kaiming-uniform initialisation.
        public init(bound: Double) { self.init(from: -bound, to: bound) }
    }

    /// The value that raw output `raw` becomes.
    @inline(__always)
    public static func value(raw: UInt32, range: Range, profile: TorchProfile) -> Float {
        let x = Float(raw & 0xFF_FFFF) * unit
        let value: Float
        switch profile.uniformRounding {
        case .fused: value = range.from.addingProduct(x, range.width)
        case .separate: value = x * range.width + range.from
        }
        return profile.foldsUpperBound && value == range.to ? range.from : value
    }

    /// Fills `values` as `uniform_(from, to)` does, drawing one output of `generator` per element; `vectorised`
    /// picks the AVX2 kernel for the fused profiles when the CPU has it (the same bits as the scalar code).
    public static func fill(
        _ values: UnsafeMutableBufferPointer<Float>, range: Range, profile: TorchProfile,
        generator: inout TorchMersenneTwister, vectorised: Bool = TorchVectorKernels.isAvailable
    ) {
        values.withMemoryRebound(to: UInt32.self) { generator.fill($0) }
        guard let base = values.baseAddress else { return }
        switch profile.uniformRounding {
        case .fused where vectorised:
            smt_uniform_fused_avx2(base, values.count, range.from, range.width, range.to, profile.foldsUpperBound ? 1 : 0)
        case .fused:
            for index in values.indices {
                values[index] = value(raw: values[index].bitPattern, range: range, profile: profile)
            }
        case .separate:
            // Two roundings: no fma, so the loop stays in registers.
            let fold = profile.foldsUpperBound
            for index in values.indices {
                let x = Float(values[index].bitPattern & 0xFF_FFFF) * unit
                let result = x * range.width + range.from
                values[index] = fold && result == range.to ? range.from : result
            }
        }
    }

    /// `count` values of `uniform_(from, to)`.
    public static func values(
        count: Int, range: Range, profile: TorchProfile, generator: inout TorchMersenneTwister
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            fill(buffer, range: range, profile: profile, generator: &generator)
            initialised = count
        }
    }
}
