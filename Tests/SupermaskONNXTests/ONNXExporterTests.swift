import Foundation
import SupermaskCore
import SupermaskTestSupport
import Testing

@testable import SupermaskONNX

/// The ONNX graph's structure and tensors; python/tests/test_onnx.py runs the files in ONNX Runtime.
@Suite struct ONNXExporterTests {
    private func fixture(_ name: String) throws -> Fixture {
        try #require(Fixture.all.first { $0.name == name })
    }

    @Test func aBottleneckResNetBecomesConvBatchNormReluAddNodes() throws {
        let model = try fixture("tiny-resnet-bottleneck").model()
        let bytes = try ONNXExporter.serializedModel(model, producerVersion: "test")
        let proto = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(proto.irVersion == 7 && proto.opsetImport.map(\.version) == [13])
        let types = proto.graph.node.map(\.opType)
        #expect(types.filter { $0 == "Conv" }.count == model.architecture.convolutions.count)
        #expect(types.filter { $0 == "BatchNormalization" }.count == model.architecture.batchNorms.count)
        #expect(types.filter { $0 == "Add" }.count == 5)
        #expect(Array(types.prefix(4)) == ["Conv", "BatchNormalization", "Relu", "MaxPool"])
        #expect(types.last == "Flatten" && proto.graph.node.last?.output == ["logits"])
        #expect(proto.graph.input.map(\.name) == ["input"])
        let inputShape = proto.graph.input[0].type.tensorType.shape.dim
        #expect(inputShape.map(\.dimParam) == ["batch", "", "height", "width"] && inputShape[1].dimValue == 3)
        #expect(proto.graph.output[0].type.tensorType.shape.dim[1].dimValue == 10)
    }

    @Test func convolutionWeightsAreTheMaskedWeightsBitForBit() throws {
        let model = try fixture("tiny-resnet-bottleneck").model()
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.serializedModel(model, producerVersion: "test"))
        let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0) })
        for convolution in model.architecture.convolutions {
            let tensor = try #require(initializers[convolution.name + ".weight"])
            #expect(tensor.dims == convolution.weightShape.map(Int64.init))
            let stored = tensor.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let expected = model.parameters(of: convolution).effectiveWeight
            #expect(stored.map(\.bitPattern) == expected.map(\.bitPattern), "\(convolution.name)")
            #expect(stored.filter { $0 != 0 }.count <= model.parameters(of: convolution).keptCount)
        }
        let norm = try #require(model.architecture.batchNorms.first)
        let scale = try #require(initializers[norm.name + ".weight"])
        #expect(scale.rawData == [Float](repeating: 1, count: norm.channels).withUnsafeBytes { Data($0) })
        let epsilon = proto.graph.node.first { $0.opType == "BatchNormalization" }?.attribute.first
        #expect(epsilon?.name == "epsilon" && epsilon?.f == BatchNormParameters.epsilon)
    }

    @Test func theFullyConnectedNetReshapesItsInputFirst() throws {
        let model = try fixture("fc").model()
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.serializedModel(model, producerVersion: "test"))
        #expect(proto.graph.node.map(\.opType) == ["Reshape", "Conv", "Relu", "Conv", "Relu", "Conv", "Flatten"])
        #expect(proto.graph.input[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue) == [1, 28, 28])
    }
}
