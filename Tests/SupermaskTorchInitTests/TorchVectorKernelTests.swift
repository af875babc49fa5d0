import Testing
@testable import SupermaskTorchInit

/// The AVX2 kernels against the scalar Swift code they must equal bit for bit.
@Suite(.enabled(if: TorchVectorKernels.isAvailable, "the CPU has no AVX2 + FMA"))
struct TorchVectorKernelTests {
    /// Every one of the 2²⁴ values a 24-bit draw gives, as u1 (through the logarithm) and as u2 (through sin/cos,
    /// in reverse order so that each lane meets other partners), in chunks to bound the memory.
    @Test func normalBlocksEqualTheScalarCodeForEveryInput() {
        let chunk = 1 << 20, deviation = Float(0.0416666679084301)
        var differing = 0
        for start in stride(from: 0, to: 1 << 24, by: chunk) {
            var input = [Float](repeating: 0, count: 2 * chunk)
            for lane in 0..<chunk {
                let block = lane / 8, j = lane % 8
                input[16 * block + j] = Float(start + lane) * TorchUniform.unit
                input[16 * block + 8 + j] = Float((1 << 24) - 1 - (start + lane)) * TorchUniform.unit
            }
            var vector = input, scalar = input
            vector.withUnsafeMutableBufferPointer {
                TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: deviation, offset: 0, math: .avxMathFun, vectorised: true)
            }
            scalar.withUnsafeMutableBufferPointer {
                TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: deviation, offset: 0, math: .avxMathFun, vectorised: false)
            }
            differing += zip(vector, scalar).filter { $0.bitPattern != $1.bitPattern }.count
        }
        #expect(differing == 0, "\(differing) of 2^25 values differ")
    }

    /// A mean other than 0 takes the fused last step in both.
    @Test func aNonZeroMeanIsFusedAlike() {
        var input = (0..<4096).map { Float(($0 * 2_654_435_761) & 0xFF_FFFF) * TorchUniform.unit }
        var scalar = input
        input.withUnsafeMutableBufferPointer {
            TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: 1.5, offset: 0.25, math: .avxMathFun, vectorised: true)
        }
        scalar.withUnsafeMutableBufferPointer {
            TorchNormal.transform($0.baseAddress!, blocks: $0.count / 16, scale: 1.5, offset: 0.25, math: .avxMathFun, vectorised: false)
        }
        #expect(input.map(\.bitPattern) == scalar.map(\.bitPattern))
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
