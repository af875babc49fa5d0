import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskTestSupport
import SupermaskTorchInit
import Testing
@testable import SupermaskFormat

/// An FC supermask trained on MNIST by allenai/hidden-networks' own code from a known torch seed, exported as
/// torch-seed with its masks coded with the initial scores (tools/make_trained_mask_fixture.py).
@Suite struct TrainedMaskFixtureTests {
    struct Record: Decodable {
        struct Mask: Decodable {
            var name: String
            var kept: Int
            var mask_sha256: String
            var weight_sha256: String
            var coded_bits: Int
            var coder: String
        }
        var torch_seed: String
        var torch_profile: String
        var mask_bound_bits: Double
        var masks: [Mask]
    }

    static let base = Fixture.directory.appendingPathComponent("torch-coder/fc-usc-trained")

    private func record() throws -> Record {
        try JSONDecoder().decode(Record.self, from: Data(contentsOf: Self.base.appendingPathExtension("json")))
    }

    private func digest(_ bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.hexDigest()
    }

    @Test func theContainerDecodesToPyTorchsMasksAndWeights() throws {
        let record = try record()
        let (model, statistics) = try ContainerReader.load(path: Self.base.appendingPathExtension("smask").path)
        #expect(TorchSeedSelection.recorded(in: model)?.seed == UInt64(record.torch_seed))
        for (convolution, expected) in zip(model.architecture.convolutions, record.masks) {
            #expect(convolution.name == expected.name)
            let parameters = model.parameters(of: convolution)
            let mask = try #require(parameters.mask)
            #expect(mask.keptCount == expected.kept)
            #expect(digest((0..<mask.count).map { mask[$0] ? 1 : 0 }) == expected.mask_sha256, "\(convolution.name) mask")
            let weightBytes = parameters.weight.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
            #expect(digest(weightBytes) == expected.weight_sha256, "\(convolution.name) weights")
        }
        #expect(statistics.layers.map(\.codedMaskBits) == record.masks.map(\.coded_bits))
        #expect(statistics.layers.map { $0.maskCoder?.description } == record.masks.map(\.coder))
        #expect(abs(statistics.maskBoundBits - record.mask_bound_bits) < 1e-6 * record.mask_bound_bits)
        // The target: the trained masks code to at most 0.85 × Σ log2 C(n, k).
        #expect(try #require(statistics.masksOverBound) <= 0.85)
    }

    @Test func itsLogitsAreTheOriginalModelsWithinTheTolerance() throws {
        let model = try ContainerReader.load(path: Self.base.appendingPathExtension("smask").path).model
        let input = try NPY.read(contentsOf: Self.base.path + ".input.npy")
        let expected = try NPY.read(contentsOf: Self.base.path + ".logits.npy").scalars
        let logits = try ReferenceForward(model: model, threads: 1).logits(for: input).scalars
        let tolerance = 1e-4 * (expected.map(\.magnitude).max() ?? 0)
        #expect(logits.count == expected.count)
        #expect(zip(logits, expected).allSatisfy { abs($0 - $1) <= tolerance })
    }

    @Test func exportedAgainItIsTheSameFile() throws {
        let path = Self.base.appendingPathExtension("smask").path
        let model = try ContainerReader.load(path: path).model
        let record = try record()
        let verified = try TorchSeedSelection.verify(
            model: model, seed: try #require(UInt64(record.torch_seed)), profile: TorchProfile(name: record.torch_profile),
            keptOnly: true)
        let bytes = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: verified.record).bytes
        #expect(bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
