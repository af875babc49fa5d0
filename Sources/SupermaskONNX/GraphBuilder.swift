import Foundation
import SupermaskCore

/// Turns an architecture's layers into ONNX nodes and initializers, one value name per intermediate tensor.
struct GraphBuilder {
    let model: Model
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var counter = 0

    init(model: Model) { self.model = model }

    /// An attribute of a node.
    enum Attribute {
        case int(String, Int64)
        case ints(String, [Int64])
        case float(String, Float)

        var proto: Onnx_AttributeProto {
            var proto = Onnx_AttributeProto()
            switch self {
            case .int(let name, let value):
                proto.name = name
                proto.type = .int
                proto.i = value
            case .ints(let name, let values):
                proto.name = name
                proto.type = .ints
                proto.ints = values
            case .float(let name, let value):
                proto.name = name
                proto.type = .float
                proto.f = value
            }
            return proto
        }
    }

    /// Appends `layers` applied to the value `input`; returns the name of their output.
    mutating func append(_ layers: [Layer], input: String) throws -> String {
        var current = input
        for layer in layers {
            current = try append(layer, input: current)
        }
        return current
    }

    private mutating func append(_ layer: Layer, input: String) throws -> String {
        switch layer {
        case .convolution(let convolution):
            guard let parameters = model.convolutions[convolution.name] else {
                throw SupermaskError("no weights for convolution '\(convolution.name.escapedForDisplay())'")
            }
            let weight = floatTensor(convolution.name + ".weight", shape: convolution.weightShape, values: parameters.effectiveWeight)
            let kernel = Int64(convolution.kernel), stride = Int64(convolution.stride), padding = Int64(convolution.padding)
            return node("Conv", inputs: [input, weight], attributes: [
                .ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]),
                .ints("pads", [padding, padding, padding, padding]),
            ])
        case .batchNorm(let norm):
            guard let parameters = model.batchNorms[norm.name] else {
                throw SupermaskError("no statistics for batch norm '\(norm.name.escapedForDisplay())'")
            }
            let channels = [norm.channels]
            let scale = floatTensor(norm.name + ".weight", shape: channels, values: parameters.scale ?? .init(repeating: 1, count: norm.channels))
            let shift = floatTensor(norm.name + ".bias", shape: channels, values: parameters.shift ?? .init(repeating: 0, count: norm.channels))
            let mean = floatTensor(norm.name + ".running_mean", shape: channels, values: parameters.runningMean)
            let variance = floatTensor(norm.name + ".running_var", shape: channels, values: parameters.runningVariance)
            return node("BatchNormalization", inputs: [input, scale, shift, mean, variance],
                        attributes: [.float("epsilon", BatchNormParameters.epsilon)])
        case .relu:
            return node("Relu", inputs: [input])
        case .maxPool(let kernel, let stride, let padding):
            let k = Int64(kernel), s = Int64(stride), p = Int64(padding)
            return node("MaxPool", inputs: [input], attributes: [
                .ints("kernel_shape", [k, k]), .ints("strides", [s, s]), .ints("pads", [p, p, p, p]),
            ])
        case .averagePool(let kernel):
            let k = Int64(kernel)
            return node("AveragePool", inputs: [input], attributes: [.ints("kernel_shape", [k, k]), .ints("strides", [k, k])])
        case .globalAveragePool:
            return node("GlobalAveragePool", inputs: [input])
        case .flatten:
            // PyTorch's view to [N, C·H·W] followed by the 1×1 "linear" convolutions' [N, F, 1, 1].
            let shape = int64Tensor("shape\(counter)", values: [0, -1, 1, 1])
            return node("Reshape", inputs: [input, shape])
        case .residual(let body, let shortcut):
            let bodyOutput = try append(body, input: input)
            let shortcutOutput = try append(shortcut, input: input)
            return node("Add", inputs: [bodyOutput, shortcutOutput])
        }
    }

    /// Adds a node reading `inputs`; returns the name of its (new) output, or writes `output` when given.
    @discardableResult
    mutating func node(_ type: String, inputs: [String], output: String? = nil, attributes: [Attribute] = []) -> String {
        counter += 1
        let result = output ?? "\(type.lowercased())\(counter)"
        var proto = Onnx_NodeProto()
        proto.name = "\(type)_\(counter)"
        proto.opType = type
        proto.input = inputs
        proto.output = [result]
        proto.attribute = attributes.map(\.proto)
        nodes.append(proto)
        return result
    }

    private mutating func floatTensor(_ name: String, shape: [Int], values: [Float]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = values.withUnsafeBytes { Data($0) }
        initializers.append(tensor)
        return name
    }

    private mutating func int64Tensor(_ name: String, values: [Int64]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.rawData = values.map(\.littleEndian).withUnsafeBytes { Data($0) }
        initializers.append(tensor)
        return name
    }
}
