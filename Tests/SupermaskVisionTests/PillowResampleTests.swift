import Testing
@testable import SupermaskVision

@Suite struct PillowResampleTests {
    /// Pillow's `resize(size, BILINEAR)` outputs, down and up, one axis or both.
    @Test(arguments: try VisionFixtures.manifest().resizes.map { "\($0.width)x\($0.height)" })
    func resizeEqualsPillow(_ size: String) throws {
        let entry = try #require(try VisionFixtures.manifest().resizes.first { "\($0.width)x\($0.height)" == size })
        let source = try ImageDecoder.decode(contentsOf: VisionFixtures.path("photo-420.JPEG"))
        let expected = try VisionFixtures.bytesNPY(entry.expected)
        let resized = PillowResample.resize(source, width: entry.width, height: entry.height)
        #expect(expected.shape == [entry.height, entry.width, 3])
        try #require(resized.pixels.count == expected.bytes.count)
        let differing = zip(resized.pixels, expected.bytes).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) samples differ")
    }

    @Test func sameSizeIsUnchanged() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(PillowResample.resize(image, width: 2, height: 1) == image)
    }

    @Test func constantImageStaysConstant() {
        let image = RGBImage(width: 7, height: 5, pixels: [UInt8](repeating: 200, count: 7 * 5 * 3))
        let resized = PillowResample.resize(image, width: 3, height: 11)
        #expect(resized.pixels.allSatisfy { $0 == 200 })
    }

    /// Halving widens the triangle to support 2: output 0 has center 1 and reads inputs 0…2 with weights
    /// 0.75, 0.75, 0.25 (sum 1.75), so it is (0·0.75 + 100·0.75 + 200·0.25)/1.75 = 71.4 → 71.
    @Test func halvingUsesTheWidenedTriangle() {
        let image = RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40])
        let resized = PillowResample.resize(image, width: 2, height: 1)
        #expect(Array(resized.pixels.prefix(3)) == [71, 71, 71])
        // Output 1: center 3, inputs 1…3 with weights 0.25, 0.75, 0.75 → (25 + 150 + 30)/1.75 = 117.1 → 117.
        #expect(Array(resized.pixels.suffix(3)) == [117, 117, 117])
    }
}
