import Testing
@testable import SupermaskVision

@Suite struct ImageNetTransformTests {
    let transform = ImageNetTransform.imageNetValidation

    @Test func resizeKeepsTheShorterSideAt256() {
        #expect(transform.resizedSize(width: 500, height: 375) == (341, 256))
        #expect(transform.resizedSize(width: 375, height: 500) == (256, 341))
        #expect(transform.resizedSize(width: 333, height: 500) == (256, 384))
        #expect(transform.resizedSize(width: 300, height: 300) == (256, 256))
    }

    @Test func centerCropRoundsHalfToEven() {
        // (341 − 224)/2 = 58.5 → 58; (343 − 224)/2 = 59.5 → 60.
        #expect(transform.cropOffset(size: 341) == 58)
        #expect(transform.cropOffset(size: 343) == 60)
        #expect(transform.cropOffset(size: 256) == 16)
    }

    @Test func normalisationIsTorchvisionsFloat32Arithmetic() throws {
        let white = RGBImage(width: 224, height: 224, pixels: [UInt8](repeating: 255, count: 224 * 224 * 3))
        let output = try transform.apply(to: white)
        #expect(output[0] == (Float(1) - Float(0.485)) / Float(0.229))
        #expect(output[224 * 224] == (Float(1) - Float(0.456)) / Float(0.224))
    }

    @Test func tooSmallForTheCropIsAnError() {
        let narrow = ImageNetTransform(resizeShorterSide: 8, cropSize: 16, mean: [0, 0, 0], standardDeviation: [1, 1, 1])
        let image = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 192))
        #expect(throws: (any Error).self) { try narrow.apply(to: image) }
    }
}
