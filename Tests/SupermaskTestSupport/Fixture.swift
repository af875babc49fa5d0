import Foundation
import SupermaskCore
import SupermaskHDF5

/// A fixture of Tests/Fixtures made by tools/make_test_fixtures.py: a checkpoint PyTorch saved, converted by
/// pth2h5.py, with PyTorch's input and eval-mode logits and the architecture described well enough to rebuild
/// it with the catalogue's builders. Shared by every test target that checks against PyTorch.
public struct Fixture: Decodable, Sendable, CustomStringConvertible {
    public var name: String
    public var family: String
    public var block: String?
    public var blocks: [Int]?
    public var planes: [Int]?
    public var width_per_group: Int?
    public var conv_widths: [Int]?
    public var hidden: Int?
    public var classes: Int
    public var input_shape: [Int]
    public var `init`: String
    public var keep: Double?
    public var kept: [String: Int]

    public var description: String { name }

    /// Tests/Fixtures.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Every fixture, by name.
    public static var all: [Fixture] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return try? JSONDecoder().decode(Fixture.self, from: data)
        }
    }

    /// The path of the fixture's file with `suffix` (`.h5`, `.input.npy`, `.logits.npy`).
    public func path(_ suffix: String) -> String { Self.directory.appendingPathComponent(name + suffix).path }

    /// The architecture the fixture describes.
    public func architecture() throws -> Architecture {
        func required<Value>(_ value: Value?, _ field: String) throws -> Value {
            guard let value else { throw SupermaskError(file: path(".json"), "no \(field) for family \(family)") }
            return value
        }
        switch family {
        case "imagenet-resnet":
            return Architecture.imageNetResNet(
                name: name, block: try required(block.flatMap(ResidualBlock.init(rawValue:)), "block"),
                blockCounts: try required(blocks, "blocks"), planes: try required(planes, "planes"),
                widthPerGroup: width_per_group ?? 64, classCount: classes, inputShape: input_shape)
        case "cifar-resnet":
            return Architecture.cifarResNet(
                name: name, block: try required(block.flatMap(ResidualBlock.init(rawValue:)), "block"),
                blockCounts: try required(blocks, "blocks"), planes: try required(planes, "planes"), classCount: classes)
        case "frankle-conv":
            return Architecture.frankleConv(
                name: name, convolutionWidths: try required(conv_widths, "conv_widths"),
                hidden: try required(hidden, "hidden"), classCount: classes)
        case "frankle-fc":
            return Architecture.frankleFullyConnected()
        default:
            throw SupermaskError(file: path(".json"), "unknown fixture family \(family)")
        }
    }

    /// The fixture's model, imported with its architecture.
    public func model() throws -> Model {
        try CheckpointImporter.load(path: path(".h5"), options: .init(architecture: try architecture()))
    }
}
