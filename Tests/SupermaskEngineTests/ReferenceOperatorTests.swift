import Testing
@testable import SupermaskCore
@testable import SupermaskEngine

/// Each operator on inputs small enough to work out by hand.
@Suite struct ReferenceOperatorTests {
    @Test func stridedPaddedConvolutionMatchesTheDefinition() {
        // 1 image, 1 channel, 4×4 input 0…15; one 3×3 all-ones kernel, stride 2, padding 1.
        let input = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        let convolution = Convolution("c", 1, 1, kernel: 3, stride: 2)
        let output = ReferenceOperators.convolve(input, weight: [Float](repeating: 1, count: 9), convolution, threads: 2)
        // Windows centred at (0,0), (0,2), (2,0), (2,2), clipped by the padding.
        #expect(output.shape == [1, 1, 2, 2])
        let expected: [Float] = [10, 24, 51, 90]  // 0+1+4+5, 1+2+3+5+6+7, 4+5+8+9+12+13, 5+6+7+9+10+11+13+14+15
        #expect(output.scalars == expected)
    }

    @Test func convolutionSumsOverChannelsPerOutputChannel() {
        // 2 input channels of 1×1, 3 output channels, 1×1 kernel: a matrix product.
        let input = Tensor(shape: [1, 2, 1, 1], scalars: [2, 3])
        let weight: [Float] = [1, 0, 0, 1, -1, 10]
        let output = ReferenceOperators.convolve(input, weight: weight, Convolution("c", 2, 3, kernel: 1), threads: 1)
        #expect(output.scalars == [2, 3, 28])
    }

    @Test func maxPoolIgnoresPadding() {
        let input = Tensor(shape: [1, 1, 3, 3], scalars: [-9, -8, -7, -6, -5, -4, -3, -2, -1])
        let output = ReferenceOperators.maxPool(input, kernel: 3, stride: 2, padding: 1)
        #expect(output.shape == [1, 1, 2, 2])
        #expect(output.scalars == [-5, -4, -2, -1])
    }

    @Test func batchNormUsesRunningStatistics() {
        var x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 10, 20])
        let parameters = BatchNormParameters(runningMean: [2, 10], runningVariance: [4 - 1e-5, 1 - 1e-5], scale: [1, 2], shift: [0, 1])
        ReferenceOperators.normalize(&x, parameters)
        #expect(x.scalars.map { ($0 * 1000).rounded() / 1000 } == [-0.5, 0.5, 1, 21])
    }

    @Test func averagePoolsAreMeans() {
        let input = Tensor(shape: [1, 1, 2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(ReferenceOperators.averagePool(input, kernel: 2).scalars == [3.5, 5.5])
        #expect(ReferenceOperators.averagePool(input, kernel: 2, columns: 4).scalars == [4.5])
    }
}
