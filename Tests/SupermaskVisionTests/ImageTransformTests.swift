import Testing
import SupermaskCore
@testable import SupermaskVision

@Suite struct ImageTransformTests {
    let transform = ImageTransform.imageNetValidation

    @Test func resizeKeepsTheShorterSideAt256() {
        #expect(ImageTransform.resizedSize(width: 500, height: 375, shorterSide: 256) == (341, 256))
        #expect(ImageTransform.resizedSize(width: 375, height: 500, shorterSide: 256) == (256, 341))
        #expect(ImageTransform.resizedSize(width: 333, height: 500, shorterSide: 256) == (256, 384))
        #expect(ImageTransform.resizedSize(width: 300, height: 300, shorterSide: 256) == (256, 256))
    }

    @Test func centerCropRoundsHalfToEven() {
        // (341 − 224)/2 = 58.5 → 58; (343 − 224)/2 = 59.5 → 60.
        #expect(ImageTransform.cropOffset(size: 341, crop: 224) == 58)
        #expect(ImageTransform.cropOffset(size: 343, crop: 224) == 60)
        #expect(ImageTransform.cropOffset(size: 256, crop: 224) == 16)
    }

    @Test func normalisationIsTorchvisionsFloat32Arithmetic() throws {
        let white = RGBImage(width: 224, height: 224, pixels: [UInt8](repeating: 255, count: 224 * 224 * 3))
        let output = try transform.apply(to: white)
        #expect(output[0] == (Float(1) - Float(0.485)) / Float(0.229))
        #expect(output[224 * 224] == (Float(1) - Float(0.456)) / Float(0.224))
    }

    @Test func tooSmallForTheCropIsAnError() {
        let narrow = ImageTransform(geometry: .resizeAndCrop(shorterSide: 8, crop: 16), mean: [0, 0, 0], standardDeviation: [1, 1, 1])
        let image = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 192))
        #expect(throws: (any Error).self) { try narrow.apply(to: image) }
    }

    /// hidden-networks' CIFAR-10 test transform: ToTensor + Normalize, the image as it is, HWC → CHW.
    @Test func cifar10TakesImagesAsTheyAre() throws {
        let cifar = ImagePreset.cifar10.transform
        #expect(cifar.imageShape == [3, 32, 32])
        var pixels = [UInt8](repeating: 0, count: 32 * 32 * 3)
        pixels[3 * (5 * 32 + 7) + 1] = 200  // green at row 5, column 7
        let output = try cifar.apply(to: RGBImage(width: 32, height: 32, pixels: pixels))
        #expect(output[32 * 32 + 5 * 32 + 7] == (Float(200) / 255 - Float(0.482)) / Float(0.243))
        #expect(output[5 * 32 + 7] == (Float(0) / 255 - Float(0.491)) / Float(0.247))
        let wrongSize = RGBImage(width: 33, height: 32, pixels: [UInt8](repeating: 0, count: 33 * 32 * 3))
        let error = try #require(throws: SupermaskError.self) { try cifar.apply(to: wrongSize) }
        #expect(error.message.hasPrefix("image is 33×32; this transform neither resizes nor crops and needs 32×32"))
    }

    /// MNIST's transform reads `convert("L")`: Pillow's ITU-R 601-2 luma in 16-bit fixed point, then one channel.
    @Test func mnistConvertsToLuminance() throws {
        let mnist = ImagePreset.mnist.transform
        #expect(mnist.imageShape == [1, 28, 28])
        var pixels = [UInt8](repeating: 0, count: 28 * 28 * 3)
        pixels[0] = 255; pixels[1] = 128; pixels[2] = 7
        let output = try mnist.apply(to: RGBImage(width: 28, height: 28, pixels: pixels))
        let luma = (255 * 19595 + 128 * 38470 + 7 * 7471 + 0x8000) >> 16
        #expect(luma == 152)  // Image.new("RGB", (1, 1), (255, 128, 7)).convert("L").getpixel((0, 0)) in Pillow 13
        #expect(output[0] == (Float(luma) / 255 - Float(0.1307)) / Float(0.3081))
        #expect(output.count == 28 * 28)
    }

    /// Gray replicated into RGB comes back unchanged: the luma factors add up to 65,536.
    @Test func luminanceOfGrayIsTheGray() {
        let values = (0...255).map(UInt8.init)
        let rgb = RGBImage(width: 256, height: 1, pixels: values.flatMap { [$0, $0, $0] })
        #expect(GrayImage(luminanceOf: rgb).pixels == values)
    }

    /// timm's rule: --img-size S crops S out of ⌊S / crop_pct⌋, with the preset's crop_pct unless given.
    @Test func overridesFollowTimm() throws {
        let larger = try ImagePreset.imagenet.transform(overriddenBy: .init(imageSize: 288))
        #expect(larger.geometry == .resizeAndCrop(shorterSide: 329, crop: 288))
        let full = try ImagePreset.imagenet.transform(overriddenBy: .init(cropFraction: 1))
        #expect(full.geometry == .resizeAndCrop(shorterSide: 224, crop: 224))
        let cifarResized = try ImagePreset.cifar10.transform(overriddenBy: .init(cropFraction: 0.875))
        #expect(cifarResized.geometry == .resizeAndCrop(shorterSide: 36, crop: 32))
        let explicit = try ImagePreset.imagenet.transform(overriddenBy: .init(imageSize: 56, resize: 64, filter: .bicubic))
        #expect(explicit.geometry == .resizeAndCrop(shorterSide: 64, crop: 56))
        #expect(explicit.filter == .bicubic)
        let statistics = try ImagePreset.mnist.transform(overriddenBy: .init(mean: [0.5], standardDeviation: [0.25]))
        #expect(statistics.mean == [0.5] && statistics.standardDeviation == [0.25] && statistics.colorMode == .grayscale)
    }

    @Test func overridesOutOfRangeAreOneLineErrors() throws {
        let cases: [(ImagePreset.Overrides, String)] = [
            (.init(cropFraction: 0), "--crop-pct must be in (0, 1], not 0.0"),
            (.init(cropFraction: 1.5), "--crop-pct must be in (0, 1], not 1.5"),
            (.init(imageSize: 0), "--img-size must be in 1…4096, not 0"),
            (.init(imageSize: 300, resize: 256), "the resized shorter side must be in 300…4096 (at least the crop), not 256"),
            (.init(cropFraction: 0.5, resize: 256), "--resize and --crop-pct both set the resized side; give one"),
            (.init(mean: [0.5]), "--mean needs 3 values (one per channel), not 1"),
            (.init(standardDeviation: [1, 0, 1]), "--mean must be finite and --std finite and non-zero"),
        ]
        for (overrides, message) in cases {
            let error = try #require(throws: SupermaskError.self) { try ImagePreset.imagenet.transform(overriddenBy: overrides) }
            #expect(error.message == message)
        }
    }
}
