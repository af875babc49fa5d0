import Foundation
import SupermaskCore
import SupermaskDatasets
import Testing

@Suite struct GreyscaleNormalizationTests {
    /// Tests/Fixtures/demo/normalized-pixels.npy: torchvision's ToTensor() + Normalize((0.1307,), (0.3081,)) of
    /// the bytes 0…255, made by tools/make_demo_fixture.py.
    static let torchvisionValues = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/demo/normalized-pixels.npy").path

    @Test func everyByteBecomesTorchvisionsValueBitForBit() throws {
        let expected = try NPY.read(contentsOf: Self.torchvisionValues)
        #expect(expected.shape == [256])
        let normalization = try GreyscaleNormalization(mean: 0.1307, standardDeviation: 0.3081)
        for byte in 0...255 {
            #expect(normalization.normalize(UInt8(byte)).bitPattern == expected.scalars[byte].bitPattern, "byte \(byte)")
        }
        // Known ends of the range: (0 − 0.1307) / 0.3081 and (1 − 0.1307) / 0.3081 in float32.
        #expect(abs(normalization.normalize(0) - (-0.42421296)) < 1e-7)
        #expect(abs(normalization.normalize(255) - 2.8214867) < 1e-6)
    }

    @Test func batchesAreNCHWInImageOrder() throws {
        let images = try LabelledImages(
            images: IDXArray(dimensions: [3, 1, 2], elements: [0, 255, 10, 20, 30, 40]),
            labels: IDXArray(dimensions: [3], elements: [1, 2, 3]), classCount: 10)
        let normalization = try GreyscaleNormalization(mean: 0.5, standardDeviation: 0.25)
        let batch = normalization.batch(images, range: 1..<3)
        #expect(batch.shape == [2, 1, 1, 2])
        let pixels: [Float] = [10, 20, 30, 40]
        let expected = pixels.map { ($0 / 255 - 0.5) / 0.25 }
        #expect(batch.scalars == expected)
    }

    @Test func aZeroDeviationIsRefused() {
        #expect(throws: SupermaskError.self) { try GreyscaleNormalization(mean: 0.1, standardDeviation: 0) }
        #expect(throws: SupermaskError.self) { try GreyscaleNormalization(mean: .nan, standardDeviation: 1) }
    }
}
