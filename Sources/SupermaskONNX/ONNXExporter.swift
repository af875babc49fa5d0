import Foundation
import SupermaskCore
import SwiftProtobuf

/// A subnetwork as a dense ONNX model (opset 13, IR version 7) that ONNX Runtime, OpenVINO or DeepSparse can run.
///
/// Each convolution's weight is its masked weight (`weight ⊙ mask`, dropped weights stored as 0), so the file is
/// the subnetwork, not the random network. Batch norms stay `BatchNormalization` nodes with ε = 1e-5 (γ = 1 and
/// β = 0 for the non-affine ones of hidden-networks), so a runtime computes what the original code computes; the
/// input is `input` [batch, C, H, W] and the output `logits` [batch, classes].
public enum ONNXExporter {
    /// The opset the graph's operators are taken from.
    public static let opsetVersion: Int64 = 13
    /// The IR version that goes with opset 13.
    public static let irVersion: Int64 = 7

    /// The ONNX model of `model`, serialized.
    public static func serializedModel(_ model: Model, producerVersion: String) throws -> Data {
        try modelProto(model, producerVersion: producerVersion).serializedBytes()
    }

    /// The ONNX model of `model`.
    public static func modelProto(_ model: Model, producerVersion: String) throws -> Onnx_ModelProto {
        var builder = GraphBuilder(model: model)
        let architecture = model.architecture
        let output = try builder.append(architecture.layers, input: "input")
        builder.node("Flatten", inputs: [output], output: "logits", attributes: [.int("axis", 1)])
        var graph = Onnx_GraphProto()
        graph.name = architecture.name
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [valueInfo("input", dimensions: inputDimensions(architecture))]
        graph.output = [valueInfo("logits", dimensions: [.parameter("batch"), .value(Int64(architecture.classCount))])]
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        proto.opsetImport = [opset]
        proto.producerName = "supermask"
        proto.producerVersion = producerVersion
        proto.graph = graph
        return proto
    }

    private enum Dimension {
        case value(Int64)
        case parameter(String)
    }

    /// [batch, C, H, W]: H and W are named, not fixed, when the network takes any size (global pooling).
    private static func inputDimensions(_ architecture: Architecture) -> [Dimension] {
        let shape = architecture.inputShape.map(Int64.init)
        switch architecture.inputRule {
        case .anySize: return [.parameter("batch"), .value(shape[0]), .parameter("height"), .parameter("width")]
        case .exact, .anyShapeWithSameCount: return [.parameter("batch")] + shape.map { .value($0) }
        }
    }

    private static func valueInfo(_ name: String, dimensions: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dimensions.map { dimension in
            var proto = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case .value(let value): proto.dimValue = value
            case .parameter(let name): proto.dimParam = name
            }
            return proto
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
