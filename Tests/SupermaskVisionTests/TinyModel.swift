import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5

/// The tiny 10-class ImageNet-style ResNet of Tests/Fixtures (tools/make_test_fixtures.py), rebuilt from its
/// description; its global pooling takes 56×56 crops as well as 224×224 ones.
enum TinyModel {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let path = fixtures.appendingPathComponent("tiny-resnet-basic.h5").path

    static func load() throws -> Model {
        let architecture = Architecture.imageNetResNet(
            name: "tiny-resnet-basic", block: .basic, blockCounts: [1, 1, 1, 1], planes: [4, 8, 16, 32],
            widthPerGroup: 64, classCount: 10, inputShape: [3, 64, 64])
        return try CheckpointImporter.load(path: path, options: .init(architecture: architecture))
    }

    static func engine() throws -> any InferenceEngine {
        ReferenceForward(model: try load(), threads: 1)
    }
}
