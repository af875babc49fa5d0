import Foundation
import SupermaskTestSupport
import Testing
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5

/// The planned engine against PyTorch's logits for every committed fixture: each kernel forced on every layer,
/// and the measured per-layer choice, on 1 and 2 threads, with every instruction set this CPU runs.
@Suite struct FastEngineConformanceTests {
    /// The kernels forced on every layer (adjusted per layer: signs need a ternary layer, direct a 1×1 one).
    static let forcedChoices: [KernelChoice] = [
        KernelChoice(.sparse, tile: 64), KernelChoice(.sparse, tile: 16), KernelChoice(.signs, tile: 32),
        KernelChoice(.dense, tile: 64), KernelChoice(.sparse, tile: 32, direct: true),
        KernelChoice(.signs, tile: 64, direct: true), KernelChoice(.dense, tile: 16, direct: true),
        KernelChoice(.signs, tile: 32, blocked: true, shifted: true), KernelChoice(.sparse, tile: 16, shifted: true),
    ]

    /// The vector tables this CPU runs (the scalar reference table is checked by the differential tests).
    static var instructionSets: [InstructionSet] { InstructionSet.byPreference.filter(\.isSupported) }

    @Test(arguments: Fixture.all)
    func logitsMatchPyTorch(fixture: Fixture) throws {
        let model = try CheckpointImporter.load(
            path: fixture.path(".h5"), options: .init(architecture: try fixture.architecture()))
        let input = try NPY.read(contentsOf: fixture.path(".input.npy"))
        let expected = try NPY.read(contentsOf: fixture.path(".logits.npy"))
        let largest = expected.scalars.map(\.magnitude).max() ?? 1
        let selections = Self.forcedChoices.map(FastEngine.KernelSelection.fixed) + [.measured(cache: nil)]
        for instructionSet in Self.instructionSets {
            for selection in selections {
                for threads in [1, 2] {
                    let engine = FastEngine(model: model, options: .init(
                        threads: threads, instructionSet: instructionSet, kernelSelection: selection))
                    let logits = try engine.logits(for: input)
                    #expect(logits.shape == expected.shape)
                    let error = zip(logits.scalars, expected.scalars).map { ($0 - $1).magnitude }.max() ?? .infinity
                    #expect(error / largest <= 1e-4,
                            "\(instructionSet) \(selection) \(threads)T: max |Δlogit| / max |logit| = \(error / largest)")
                }
            }
        }
    }

    @Test func theKernelCacheIsWrittenAndReused() throws {
        let fixture = try #require(Fixture.all.first { $0.name == "tiny-resnet-bottleneck" })
        let model = try CheckpointImporter.load(
            path: fixture.path(".h5"), options: .init(architecture: try fixture.architecture()))
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("supermask-kernel-cache-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = FastEngine(model: model, options: .init(kernelSelection: .measured(cache: KernelChoiceCache(url: url))))
        let stored = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        #expect(!stored.isEmpty)
        #expect(stored.values.allSatisfy { KernelChoice($0) != nil })
        // Rewrite every entry to a choice timing would hardly pick: a second engine must take it from the file.
        let planted = stored.mapValues { _ in "dense/16" }
        try JSONEncoder().encode(planted).write(to: url)
        let second = FastEngine(model: model, options: .init(kernelSelection: .measured(cache: KernelChoiceCache(url: url))))
        #expect(!second.kernelChoices.isEmpty)
        #expect(second.kernelChoices.allSatisfy { $0.choice == KernelChoice(.dense, tile: 16) })
    }
}
