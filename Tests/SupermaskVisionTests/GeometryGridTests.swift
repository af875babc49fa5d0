import Foundation
import Testing
import SupermaskCore
@testable import SupermaskVision

/// Resize + CenterCrop on a grid of image sizes (sides 1…2000) against torchvision + Pillow 13: the SHA-256 of
/// every crop's bytes equals the one `tools/make_geometry_fixtures.py` recorded (Tests/Fixtures/vision/geometry.json),
/// for every Pillow filter, RGB and grayscale, ImageNet's sizes and small ones. The images are drawn from a formula
/// on both sides, so none is committed.
@Suite struct GeometryGridTests {
    struct Grid: Decodable {
        struct Group: Decodable, CustomTestStringConvertible {
            var mode: String
            var resize: Int
            var crop: Int
            var filter: String
            var sizes: [Size]

            var testDescription: String { "\(filter) \(mode) \(resize)/\(crop), \(sizes.count) sizes" }
        }

        /// `[width, height, sha256]`.
        struct Size: Decodable {
            var width: Int
            var height: Int
            var sha256: String

            init(from decoder: any Decoder) throws {
                var row = try decoder.unkeyedContainer()
                width = try row.decode(Int.self)
                height = try row.decode(Int.self)
                sha256 = try row.decode(String.self)
            }
        }

        var pillow: String
        var transforms: [Group]
    }

    static func grid() throws -> Grid {
        try JSONDecoder().decode(Grid.self, from: Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path("geometry.json"))))
    }

    /// The fixture maker's image: `h = (x·0x9E3779B1) ^ (y·0x85EBCA77) ^ (c·0xC2B2AE3D); h ^= h >> 15;
    /// value = (3x + 5y + 85c + (h & 63)) & 255` in wrapping 32-bit arithmetic.
    static func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            for y in 0..<UInt32(height) {
                for x in 0..<UInt32(width) {
                    for c in 0..<UInt32(3) {
                        var h = (x &* 0x9E37_79B1) ^ (y &* 0x85EB_CA77) ^ (c &* 0xC2B2_AE3D)
                        h ^= h >> 15
                        buffer[index] = UInt8(truncatingIfNeeded: 3 &* x &+ 5 &* y &+ 85 &* c &+ (h & 63))
                        index += 1
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test(arguments: try grid().transforms)
    func cropsEqualPillows(_ group: Grid.Group) throws {
        let filter = try #require(ResampleFilter(rawValue: group.filter))
        let colorMode: ImageTransform.ColorMode = group.mode == "L" ? .grayscale : .rgb
        let channels = colorMode.channels
        let transform = ImageTransform(
            geometry: .resizeAndCrop(shorterSide: group.resize, crop: group.crop), colorMode: colorMode, filter: filter,
            mean: [Double](repeating: 0, count: channels), standardDeviation: [Double](repeating: 1, count: channels))
        var differing: [String] = []
        for size in group.sizes {
            let samples = try transform.croppedSamples(of: Self.pattern(width: size.width, height: size.height))
            var digest = SHA256()
            digest.update(samples)
            if digest.hexDigest() != size.sha256 { differing.append("\(size.width)×\(size.height)") }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(group.sizes.count) sizes differ from Pillow: \(differing.prefix(20).joined(separator: ", "))")
    }

    /// Pillow 13 resizes vertically first when the height loses more than twice the columns the width loses.
    @Test func passOrderIsPillow13s() {
        #expect(PillowResample.resizesVerticallyFirst(from: (320, 641), to: 256, 512))  // 129 > 2 · 64
        #expect(!PillowResample.resizesVerticallyFirst(from: (320, 640), to: 256, 512))  // 128 = 2 · 64
        #expect(PillowResample.resizesVerticallyFirst(from: (320, 685), to: 256, 548))
        #expect(!PillowResample.resizesVerticallyFirst(from: (1000, 320), to: 800, 256))
        #expect(PillowResample.resizesVerticallyFirst(from: (100, 300), to: 256, 768) == false)  // both grow
    }

    /// Computing only the crop gives the bytes of the whole resize, cropped, in either pass order.
    @Test(arguments: [(320, 641), (641, 320), (37, 300), (300, 37), (5, 9)])
    func cropOfTheResizeIsTheResizeCropped(_ size: (Int, Int)) {
        let image = Self.pattern(width: size.0, height: size.1)
        let (width, height) = (size.0 * 3 / 4 + 1, size.1 * 2 / 3 + 1)
        let whole = PillowResample.resize(image, width: width, height: height)
        let (columns, rows) = ((width / 3)..<(width - width / 4), (height / 5)..<(height - 1))
        let part = PillowResample.resize(image, width: width, height: height, columns: columns, rows: rows)
        var expected: [UInt8] = []
        for row in rows { expected += whole.pixels[((row * width + columns.lowerBound) * 3)..<((row * width + columns.upperBound) * 3)] }
        #expect(part.pixels == expected)
    }
}
