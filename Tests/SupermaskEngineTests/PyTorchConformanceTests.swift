import Foundation
import Testing
import SupermaskCore
import SupermaskEngine
import SupermaskHDF5
import SupermaskTestSupport

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
