import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5
import SupermaskTestSupport
import Testing

/// The FC net run on a batch of images as one image of that many pixels must give the logits of the network run
/// image by image.
@Suite struct PixelBatchedEngineTests {
    private func fixture(_ file: String) -> String { Fixture.directory.appendingPathComponent(file).path }

    @Test func logitsEqualThoseOfTheReferenceForwardPass() throws {
        let model = try CheckpointImporter.load(path: fixture("fc.h5"), options: .init())
        let input = try NPY.read(contentsOf: fixture("fc.input.npy"))
        let batch = input.shape[0]
        let pixelBatched = try #require(PixelBatchedEngine(model: model, batchSize: batch) {
            FastEngine(model: $0, options: .init(threads: 2, kernelSelection: .measured(cache: nil)))
        })
        let logits = try pixelBatched.logits(for: input)
        let expected = try ReferenceForward(model: model, threads: 1).logits(for: input)
        #expect(logits.shape == expected.shape)
        let largest = expected.scalars.map(\.magnitude).max() ?? 1
        let error = zip(logits.scalars, expected.scalars).map { ($0 - $1).magnitude }.max() ?? .infinity
        #expect(error <= 1e-5 * largest, "max |Δlogit| \(error), max |logit| \(largest)")
    }

    @Test func onlyFlattenThenPointwiseLayersAreBatchedAsPixels() throws {
        let model = try CheckpointImporter.load(path: fixture("fc.h5"), options: .init())
        func adapter(_ layers: [Layer]) -> PixelBatchedEngine? {
            var changed = model
            changed.architecture.layers = layers
            return PixelBatchedEngine(model: changed, batchSize: 4) { ReferenceForward(model: $0, threads: 1) }
        }
        let layers = model.architecture.layers
        #expect(adapter(layers) != nil)
        #expect(adapter(Array(layers.dropFirst())) == nil)
        #expect(adapter(layers + [.globalAveragePool]) == nil)
        #expect(adapter([.flatten, .convolution(Convolution("linear.0", 784, 300, kernel: 3))] + layers.dropFirst(2)) == nil)
    }
}
