import Foundation
import Testing
import SupermaskCore
@testable import SupermaskVision

@Suite struct ImageDecoderTests {
    /// Every fixture image preprocessed at the manifest's sizes equals torchvision + Pillow bit for bit.
    @Test(arguments: try VisionFixtures.manifest().images)
    func preprocessingEqualsTorchvision(_ name: String) throws {
        let manifest = try VisionFixtures.manifest()
        let standard = ImageTransform.imageNetValidation
        let transform = ImageTransform(
            geometry: .resizeAndCrop(shorterSide: manifest.resize, crop: manifest.crop), mean: standard.mean,
            standardDeviation: standard.standardDeviation)
        let ours = try transform.apply(to: ImageDecoder.decode(contentsOf: VisionFixtures.path(name)))
        let expected = try NPY.read(contentsOf: VisionFixtures.path(name + ".npy"))
        #expect(expected.shape == [1, 3, manifest.crop, manifest.crop])
        let differing = zip(ours, expected.scalars).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(name): \(differing) of \(ours.count) elements differ")
    }

    @Test func decodesPillowsRGBOfAJPEG() throws {
        let image = try ImageDecoder.decode(contentsOf: VisionFixtures.path("photo-420.JPEG"))
        let expected = try VisionFixtures.bytesNPY("photo-420.rgb.npy")
        #expect(expected.shape == [image.height, image.width, 3])
        #expect(image.pixels == expected.bytes)
    }

    @Test func recognisesFormatsByContentNotName() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path("png-named.JPEG"))))
        #expect(bytes.withUnsafeBytes(ImageDecoder.format(of:)) == .png)
        #expect(try ImageDecoder.decode(bytes).width == 75)
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: SupermaskError("empty file")) { try ImageDecoder.decode([]) }
    }

    @Test func textNamedJPEGIsAnError() throws {
        let error = try #require(throws: SupermaskError.self) { try ImageDecoder.decode(Array("hello, world\n".utf8)) }
        #expect(error.message.contains("not a JPEG or PNG image"))
    }

    @Test(arguments: ["photo-420.JPEG", "progressive.JPEG", "palette.png"])
    func truncatedFileIsAnError(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path(name))))
        let error = try #require(throws: SupermaskError.self) { try ImageDecoder.decode(Array(bytes.prefix(bytes.count * 2 / 3))) }
        #expect(error.message.contains("truncated") || error.message.contains("cannot decode"), "\(error.message)")
    }

    @Test func corruptHeaderIsAnError() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path("photo-420.JPEG"))))
        for index in 20..<200 { bytes[index] = 0x5A }
        let error = try #require(throws: SupermaskError.self) { try ImageDecoder.decode(bytes) }
        #expect(error.message.hasPrefix("cannot decode JPEG"))
    }

    @Test func errorsNameTheFile() throws {
        let folder = try VisionFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/empty.JPEG"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: SupermaskError(file: path, "empty file")) { try ImageDecoder.decode(contentsOf: path) }
    }
}
