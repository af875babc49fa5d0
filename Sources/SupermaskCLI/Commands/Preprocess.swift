import ArgumentParser
import Dispatch
import Foundation
import SupermaskCore
import SupermaskVision

/// `supermask preprocess`: images to the float32 batch torchvision's validation transform makes.
struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode and preprocess images exactly as torchvision + Pillow do; write a float32 NCHW .npy batch.",
        discussion: """
            The default transform is ImageNet validation's: Resize(256) (Pillow bilinear), CenterCrop(224), \
            ToTensor, Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]); --preset and the timm-style \
            options change it as for eval. JPEG and PNG files are recognised by content; grayscale, CMYK and palette \
            images are converted to RGB (or, for --preset mnist, to L) as Pillow's convert does.
            """)

    @Argument(help: "Image files (JPEG or PNG), in batch order.")
    var images: [String]

    @Option(name: .shortAndLong, help: "Where to write the batch: a '<f4' .npy array [N, channels, height, width]; - for standard output.")
    var output: String

    @OptionGroup var transformOptions: TransformOptions

    @OptionGroup var imageLimits: ImageLimitOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
    }

    func run() throws {
        try reportingErrors {
            if let folder = images.first(where: Self.isDirectory) {
                throw SupermaskError(
                    file: folder, "a directory; preprocess takes image files (such as \(folder.escapedForDisplay())/*.JPEG), eval --data a folder")
            }
            let transform = try transformOptions.transform()
            let limits = try imageLimits.limits()
            let start = DispatchTime.now()
            var scalars = [Float](repeating: 0, count: images.count * transform.elementCount)
            try scalars.withUnsafeMutableBufferPointer { buffer in
                for (index, path) in images.enumerated() {
                    let slot = UnsafeMutableBufferPointer(
                        rebasing: buffer[(index * transform.elementCount)..<((index + 1) * transform.elementCount)])
                    for warning in try transform.preprocess(imageAt: path, limits: limits, into: slot) {
                        printError("supermask: warning: \(path.escapedForDisplay()): \(warning)")
                    }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let batch = Tensor(shape: [images.count] + transform.imageShape, scalars: scalars)
            try writeNPY(batch, to: output)
            printSummary(
                "wrote \(output == "-" ? "standard output" : output.escapedForDisplay()): \(batch.shape.shapeDescription) float32 from \(images.count) image(s)",
                dataPath: output)
            // The decode + preprocess rate on one thread, without the file writing.
            printSummary("decoded and preprocessed in \(format(seconds, 3)) s: \(format(Double(images.count) / seconds, 1)) images/s on one thread", dataPath: output)
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
