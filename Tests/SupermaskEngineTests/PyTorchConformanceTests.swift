import Foundation
import Testing
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5

/// A fixture made by tools/make_test_fixtures.py: a checkpoint PyTorch saved, converted by pth2h5.py, with
/// PyTorch's input and eval-mode logits and the architecture described well enough to rebuild it.
struct Fixture: Decodable, CustomTestStringConvertible {
    var name: String
    var family: String
    var block: String?
    var blocks: [Int]?
    var planes: [Int]?
    var width_per_group: Int?
    var conv_widths: [Int]?
    var hidden: Int?
    var classes: Int
    var input_shape: [Int]
    var keep: Double?
    var kept: [String: Int]

    var testDescription: String { name }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var all: [Fixture] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return try? JSONDecoder().decode(Fixture.self, from: data)
        }
    }

    func path(_ suffix: String) -> String { Self.directory.appendingPathComponent(name + suffix).path }

    /// The architecture the fixture describes, built by the same catalogue functions as the real networks.
    func architecture() throws -> Architecture {
        switch family {
        case "imagenet-resnet":
            return Architecture.imageNetResNet(
                name: name, block: try #require(ResidualBlock(rawValue: block ?? "")), blockCounts: try #require(blocks),
                planes: try #require(planes), widthPerGroup: width_per_group ?? 64, classCount: classes,
                inputShape: input_shape)
        case "cifar-resnet":
            return Architecture.cifarResNet(
                name: name, block: try #require(ResidualBlock(rawValue: block ?? "")), blockCounts: try #require(blocks),
                planes: try #require(planes), classCount: classes)
        case "frankle-conv":
            return Architecture.frankleConv(name: name, convolutionWidths: try #require(conv_widths), hidden: try #require(hidden), classCount: classes)
        case "frankle-fc":
            return Architecture.frankleFullyConnected()
        default:
            throw SupermaskError("unknown fixture family \(family)")
        }
    }
}

@Suite struct PyTorchConformanceTests {
    @Test func everyArchitectureFamilyHasAFixture() {
        let families = Set(Fixture.all.map(\.family))
        #expect(families == ["imagenet-resnet", "cifar-resnet", "frankle-conv", "frankle-fc"])
        #expect(Fixture.all.count >= 11)
    }

    @Test(arguments: Fixture.all)
    func logitsMatchPyTorch(fixture: Fixture) throws {
        let model = try CheckpointImporter.load(
            path: fixture.path(".h5"), options: .init(architecture: try fixture.architecture()))
        for (name, kept) in fixture.kept {
            #expect(model.convolutions[name]?.keptCount == kept, "kept count of \(name)")
        }
        #expect(model.keep?.value == fixture.keep)
        let input = try NPY.read(contentsOf: fixture.path(".input.npy"))
        let expected = try NPY.read(contentsOf: fixture.path(".logits.npy"))
        for threads in [1, 2] {
            let logits = try ReferenceForward(model: model, threads: threads).logits(for: input)
            #expect(logits.shape == expected.shape)
            let largest = expected.scalars.map(\.magnitude).max() ?? 1
            let error = zip(logits.scalars, expected.scalars).map { ($0 - $1).magnitude }.max() ?? .infinity
            #expect(error / largest <= 1e-5, "max |Δlogit| / max |logit| = \(error / largest)")
        }
    }
}
