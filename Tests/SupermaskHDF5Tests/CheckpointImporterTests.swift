import Foundation
import Testing
@testable import SupermaskCore
@testable import SupermaskHDF5

@Suite struct CheckpointImporterTests {
    let fc = Architecture.named("FC")!
    /// A small ImageNet-style ResNet with every kind of layer the real ones have.
    let tinyResNet = Architecture.imageNetResNet(
        name: "tiny", block: .bottleneck, blockCounts: [1, 1, 1, 1], planes: [2, 4, 4, 8], classCount: 5)

    private func load(_ checkpoint: TestCheckpoint, options: CheckpointImporter.Options = .init()) throws -> Model {
        let path = try checkpoint.write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CheckpointImporter.load(path: path, options: options)
    }

    /// Loads `checkpoint` expecting an error whose message contains `expected`.
    private func expectError(_ checkpoint: TestCheckpoint, options: CheckpointImporter.Options = .init(), _ expected: String) throws {
        let path = try checkpoint.write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try CheckpointImporter.load(path: path, options: options)
        } throws: { error in
            guard let error = error as? SupermaskError else { return false }
            return error.file == path && error.message.contains(expected)
        }
    }

    @Test func loadsMasksAtTheFilesKeepFraction() throws {
        let checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        let model = try load(checkpoint)
        #expect(model.architecture.name == "FC")
        #expect(model.keep == (try KeepFraction(0.5)))
        let first = model.convolutions["linear.0"]!
        #expect(first.keptCount == 117_600)
        let scores = checkpoint.floats("linear.0.scores")
        let threshold = scores.map(\.magnitude).sorted()[117_600 - 1]
        #expect((0..<scores.count).allSatisfy { first.mask![$0] == (scores[$0].magnitude > threshold) })
        #expect(first.weight == checkpoint.floats("linear.0.weight"))
        #expect(model.metadata.contains { $0.key == "arch" && $0.value == .text("FC") })
    }

    @Test func readsVariableLengthStringAttributesToo() throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        checkpoint.variableLengthStrings = [("arch", "FC"), ("curr_acc1", "Not evaluated")]
        let model = try load(checkpoint)
        #expect(model.metadata.contains { $0.key == "curr_acc1" && $0.value == .text("Not evaluated") })
        #expect(model.metadata.contains { $0.key == "arch" && $0.value == .text("FC") })
    }

    @Test func theKeepOptionOverridesTheFile() throws {
        let model = try load(TestCheckpoint(architecture: fc, keep: 0.5), options: .init(keep: try KeepFraction(0.3)))
        #expect(model.convolutions["linear.4"]!.keptCount == 1000 - 700)
    }

    @Test func recognisesTheArchitectureFromShapes() throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        checkpoint.attributes.removeAll { $0.0 == "arch" }
        #expect(try load(checkpoint).architecture.name == "FC")
        checkpoint.attributes.append(("arch", .text("SomethingElse")))
        #expect(try load(checkpoint).architecture.name == "FC")
    }

    @Test func loadsDenseBaselinesWithAffineBatchNorm() throws {
        let checkpoint = TestCheckpoint(architecture: tinyResNet, scores: false, affine: true)
        let model = try load(checkpoint, options: .init(architecture: tinyResNet))
        #expect(model.keep == nil)
        #expect(model.convolutions.values.allSatisfy { $0.mask == nil })
        #expect(model.batchNorms["layer1.0.downsample.1"]?.scale?.count == 2 * 4)
        #expect(model.warnings.isEmpty)
    }

    @Test func refusesScoresWithoutAKeepFraction() throws {
        try expectError(TestCheckpoint(architecture: fc), "pass --keep (the released models use 0.3)")
    }

    @Test func refusesAMissingTensor() throws {
        var checkpoint = TestCheckpoint(architecture: tinyResNet, keep: 0.3)
        checkpoint.remove("layer3.0.bn2.running_var")
        try expectError(checkpoint, options: .init(architecture: tinyResNet), "missing tensor 'layer3.0.bn2.running_var' (expected shape [4])")
    }

    @Test func extraTensorsAreAWarningUnlessTheKeySetMustBeExact() throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        checkpoint.set("linear.6.weight", .float32(shape: [10, 10, 1, 1], values: [Float](repeating: 1, count: 100)))
        let model = try load(checkpoint)
        #expect(model.warnings.contains("1 entries not used by FC: linear.6.weight"))
        try expectError(checkpoint, options: .init(requiresExactKeySet: true), "holds tensors that FC does not have: linear.6.weight")
    }

    @Test func refusesAWrongShape() throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        checkpoint.set("linear.2.scores", .float32(shape: [100, 301, 1, 1], values: [Float](repeating: 1, count: 30_100)))
        try expectError(checkpoint, "tensor 'linear.2.scores' has shape [100, 301, 1, 1], expected [100, 300, 1, 1]")
    }

    @Test func refusesAWrongDtype() throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        checkpoint.set("linear.4.weight", .int64(shape: [10, 100, 1, 1], values: [Int64](repeating: 1, count: 1000)))
        try expectError(checkpoint, "tensor 'linear.4.weight' has dtype int64, expected a floating-point type")
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func refusesNonFiniteValues(value: Float) throws {
        var checkpoint = TestCheckpoint(architecture: fc, keep: 0.5)
        var scores = checkpoint.floats("linear.2.scores")
        scores[1234] = value
        checkpoint.set("linear.2.scores", .float32(shape: [100, 300, 1, 1], values: scores))
        try expectError(checkpoint, "tensor 'linear.2.scores' holds \(value) at flat index 1234")
    }

    @Test func refusesNegativeVariance() throws {
        var checkpoint = TestCheckpoint(architecture: tinyResNet, keep: 0.3)
        checkpoint.set("bn1.running_var", .float32(shape: [2], values: [1, -1]))
        try expectError(checkpoint, options: .init(architecture: tinyResNet), "'bn1.running_var' is negative")
    }

    @Test func refusesAnUnknownArchitecture() throws {
        var checkpoint = TestCheckpoint(architecture: tinyResNet, keep: 0.3)
        checkpoint.attributes = [("arch", .text("ResNet34")), ("keep", .real(0.3))]
        try expectError(checkpoint, "unknown architecture 'ResNet34'")
        checkpoint.attributes = [("keep", .real(0.3))]
        try expectError(checkpoint, "no arch attribute and the tensors match none of")
    }

    @Test(arguments: [0.0, 1.5, -0.3])
    func refusesAKeepAttributeOutsideTheUnitInterval(keep: Double) throws {
        try expectError(TestCheckpoint(architecture: fc, keep: keep), "outside (0, 1]")
    }

    @Test func refusesAFileWithoutAStateDict() throws {
        let path = try TestCheckpoint(architecture: fc, keep: 0.5).write(to: temporaryPath(), stateDictGroup: "model")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SupermaskError(file: path, "no /state_dict group: not a checkpoint written by tools/pth2h5.py")) {
            try CheckpointImporter.load(path: path)
        }
    }

    @Test func refusesFilesThatAreNotHDF5() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x42, count: 4096))
        #expect(throws: SupermaskError(file: path, "not an HDF5 file (convert a .pth checkpoint with tools/pth2h5.py first)")) {
            try CheckpointImporter.load(path: path)
        }
    }

    @Test func truncatedFilesGiveErrorsNotCrashes() throws {
        let path = try TestCheckpoint(architecture: fc, keep: 0.5).write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let cut = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: cut) }
        for length in [0, 8, 100, 800, 2048, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            _ = FileManager.default.createFile(atPath: cut, contents: bytes.prefix(length))
            #expect(throws: SupermaskError.self, "truncated at \(length)") { try CheckpointImporter.load(path: cut) }
        }
    }

    @Test func corruptedMetadataGivesErrorsNotCrashes() throws {
        let path = try TestCheckpoint(architecture: fc, keep: 0.5).write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let broken = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: broken) }
        // Flip bytes in the superblock and object headers (the first few KiB); data bytes only change values.
        for offset in stride(from: 0, to: 4096, by: 61) {
            var copy = bytes
            copy[offset] ^= 0xFF
            _ = FileManager.default.createFile(atPath: broken, contents: copy)
            do {
                _ = try CheckpointImporter.load(path: broken)
            } catch is SupermaskError {
                continue
            }
        }
    }
}
