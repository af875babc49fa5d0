import ArgumentParser
import SupermaskCore
import SupermaskVision

/// What an image file may cost (docs/security.md, "Images"), for the commands that decode images.
struct ImageLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Pillow's MAX_IMAGE_PIXELS: images with more pixels decode with a warning, with more than twice as many are refused.",
        valueName: "pixels"))
    var maxImagePixels: Int = ImageLimits.pillowMaxImagePixels

    @Option(help: ArgumentHelp("Refuse progressive JPEGs with more scans (each is a pass over the whole image).", valueName: "scans"))
    var maxJpegScans: Int = ImageLimits.defaultMaxJPEGScans

    func validate() throws {
        do { _ = try limits() } catch let error as SupermaskError { throw ValidationError(error.message) }
    }

    /// The limits these options set.
    func limits() throws -> ImageLimits {
        try ImageLimits(maxPixels: maxImagePixels, maxJPEGScans: maxJpegScans).validated()
    }
}
