import Testing
@testable import SupermaskTorchInit

/// The AVX2 kernels against the scalar Swift code they must equal bit for bit.
@Suite(.enabled(if: TorchVectorKernels.isAvailable, "the CPU has no AVX2 + FMA"))
struct TorchVectorKernelTests {
    /// Blocks whose u1 and u2 run over every 13th of the 2²⁴ possible 24-bit draws (a full sweep is in
    /// docs/torch-init.md's verification), plus both ends.
    private static func sweepBlocks() -> [Float] {
        var ks = Array(stride(from: UInt32(0), to: 1 << 24, by: 13))
        ks += [1, 2, (1 << 23) - 1, 1 << 23, (1 << 23) + 1, (1 << 24) - 2, (1 << 24) - 1]
        while ks.count % 8 != 0 { ks.append(UInt32(ks.count)) }
        var values: [Float] = []
        for start in stride(from: 0, to: ks.count, by: 8) {
            let lane = ks[start..<start + 8].map { Float($0) * TorchUniform.unit }
            // u1 = 1 − v[j] sweeps the logarithm; u2 = v[j + 8] sweeps sin/cos with the reversed order.
            values += lane + lane.reversed()
        }
        return values
    }

    @Test func normalBlocksEqualTheScalarCode() {
        let input = Self.sweepBlocks()
        for (deviation, mean) in [(Float(0.0416666679084301), Float(0)), (1, 0.25)] {
            var vector = input, scalar = input
            vector.withUnsafeMutableBufferPointer {
                TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: deviation, offset: mean, math: .avxMathFun, vectorised: true)
            }
            scalar.withUnsafeMutableBufferPointer {
                TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: deviation, offset: mean, math: .avxMathFun, vectorised: false)
            }
            let differing = zip(vector, scalar).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(differing) of \(input.count) values differ (std \(deviation), mean \(mean))")
        }
    }

    @Test(arguments: TorchProfile.allCases)
    func uniformEqualsTheScalarCode(profile: TorchProfile) {
        for bound in [0.08247860988423224, 0.0110485434560398, 1.0] {
            var first = TorchMersenneTwister(seed: 42), second = TorchMersenneTwister(seed: 42)
            let count = 100_003
            let vector = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
                TorchUniform.fill(buffer, range: .init(bound: bound), profile: profile, generator: &first, vectorised: true)
                initialised = count
            }
            let scalar = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
                TorchUniform.fill(buffer, range: .init(bound: bound), profile: profile, generator: &second, vectorised: false)
                initialised = count
            }
            #expect(vector.map(\.bitPattern) == scalar.map(\.bitPattern))
        }
    }
}
