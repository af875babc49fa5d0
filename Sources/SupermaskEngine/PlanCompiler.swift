import SupermaskCore

/// One operation of a compiled network on values (numbered activations of one image), before buffers are
/// assigned. Value 0 is the input image.
struct CompiledStep: Sendable {
    /// What the step computes.
    enum Operation: Sendable {
        /// A convolution with its folded batch norm and fused ReLU; `inputs[1]`, when present, is added before
        /// the ReLU (the residual of a block).
        case convolution(ConvolutionWeights)
        case maxPool(kernel: Int, stride: Int, padding: Int)
        /// Non-overlapping windows of height × width (global pooling is one window over the whole plane).
        case averagePool(height: Int, width: Int)
        /// y = x·scale + bias per channel, then an optional ReLU: a batch norm or ReLU that no convolution absorbed.
        case affine(scale: [Float], bias: [Float], relu: Bool)
        /// inputs[0] + inputs[1], then an optional ReLU: a residual sum that no convolution absorbed.
        case add(relu: Bool)
    }

    var operation: Operation
    var inputs: [Int]
    var output: Int
    /// The shape of `inputs[0]` and of `output`.
    var inputShape: ActivationShape
    var outputShape: ActivationShape
    /// The layer name reports show (the convolution's state-dict name, or the operation).
    var name: String
}

/// Turns an architecture's layer list into steps for one input size, fusing what the kernels can fuse:
/// conv → BN → ReLU becomes one convolution, and a residual block's last conv → BN absorbs the shortcut sum
/// and the ReLU after the block.
///
/// The model is not trusted: the graph is walked at this input size first (`NetworkShapes`), every parameter is
/// looked up checked, and every convolution must fit the kernels' 32-bit offsets, so that no plan is made — and no
/// kernel timed — for a shape that does not hold.
struct PlanCompiler {
    private let model: Model
    private(set) var steps: [CompiledStep] = []
    private(set) var shapes: [ActivationShape] = []
    /// One image's way through the network at this input size.
    let networkShapes: NetworkShapes

    /// The most values an activation may hold in a plan: the pooling kernels take sizes as 32-bit integers.
    static let maximumActivation = 1 << 30

    /// Compiles `model` for images of `inputShape` within `limits`; the network's output is the last step's value.
    init(model: Model, inputShape: ActivationShape, limits: ModelLimits) throws {
        self.model = model
        networkShapes = try NetworkShapes(
            model.architecture, input: [inputShape.channels, inputShape.height, inputShape.width])
        try limits.checkImage(networkShapes)
        guard networkShapes.largestActivation <= Self.maximumActivation else {
            throw SupermaskError("at input \(inputShape.channels)×\(inputShape.height)×\(inputShape.width) an activation holds \(networkShapes.largestActivation) values, more than the fast engine's \(Self.maximumActivation); use --engine reference")
        }
        shapes = [inputShape]
        let output = try compile(model.architecture.layers[...], input: Value(id: 0, shape: inputShape))
        if output.id == 0 {
            // A network with no operations at all still needs an output buffer distinct from the input.
            emit(.affine(scale: [Float](repeating: 1, count: output.shape.channels),
                         bias: [Float](repeating: 0, count: output.shape.channels), relu: false),
                 inputs: [output], outputShape: output.shape, name: "identity")
        }
    }

    /// An activation produced by a step: its value number and shape (a flatten changes the shape only).
    private struct Value {
        var id: Int
        var shape: ActivationShape
    }

    @discardableResult
    private mutating func emit(_ operation: CompiledStep.Operation, inputs: [Value], outputShape: ActivationShape,
                               name: String) -> Value {
        let id = shapes.count
        shapes.append(outputShape)
        steps.append(CompiledStep(operation: operation, inputs: inputs.map(\.id), output: id,
                                  inputShape: inputs[0].shape, outputShape: outputShape, name: name))
        return Value(id: id, shape: outputShape)
    }

    /// Compiles `layers` applied to `input`; `residual` (with `reluAfter`) is a shortcut value the sequence's
    /// final conv → BN should add, when it ends that way.
    private mutating func compile(_ layers: ArraySlice<Layer>, input: Value, residual: Value? = nil,
                                  reluAfter: Bool = false) throws -> Value {
        var x = input
        var index = layers.startIndex
        var pendingResidual = residual
        while index < layers.endIndex {
            let layer = layers[index]
            index += 1
            switch layer {
            case .convolution(let convolution):
                var norm: BatchNormParameters?
                if index < layers.endIndex, case .batchNorm(let bn) = layers[index] {
                    norm = try model.checkedParameters(of: bn)
                    index += 1
                }
                // The block's last conv (→ BN) takes the shortcut sum and the ReLU after the block.
                let absorbsResidual = pendingResidual != nil && index == layers.endIndex
                var relu = absorbsResidual && reluAfter
                if !absorbsResidual, index < layers.endIndex, case .relu = layers[index] {
                    relu = true
                    index += 1
                }
                try ConvolutionWeights.checkIndexRange(convolution, inputShape: x.shape)
                let weights = ConvolutionWeights(
                    convolution: convolution, parameters: try model.checkedParameters(of: convolution), norm: norm,
                    inputShape: x.shape, relu: relu)
                var inputs = [x]
                if absorbsResidual, let shortcut = pendingResidual {
                    inputs.append(shortcut)
                    pendingResidual = nil
                }
                x = emit(.convolution(weights), inputs: inputs, outputShape: weights.outputShape, name: convolution.name)
            case .batchNorm(let norm):
                let (scale, bias) = ConvolutionWeights.fold(try model.checkedParameters(of: norm))
                x = emit(.affine(scale: scale, bias: bias, relu: false), inputs: [x], outputShape: x.shape, name: norm.name)
            case .relu:
                let ones = [Float](repeating: 1, count: x.shape.channels)
                let zeros = [Float](repeating: 0, count: x.shape.channels)
                x = emit(.affine(scale: ones, bias: zeros, relu: true), inputs: [x], outputShape: x.shape, name: "relu")
            case .maxPool(let kernel, let stride, let padding):
                let shape = ActivationShape(
                    channels: x.shape.channels, height: (x.shape.height + 2 * padding - kernel) / stride + 1,
                    width: (x.shape.width + 2 * padding - kernel) / stride + 1)
                x = emit(.maxPool(kernel: kernel, stride: stride, padding: padding), inputs: [x], outputShape: shape,
                         name: "maxpool")
            case .averagePool(let kernel):
                let shape = ActivationShape(
                    channels: x.shape.channels, height: x.shape.height / kernel, width: x.shape.width / kernel)
                x = emit(.averagePool(height: kernel, width: kernel), inputs: [x], outputShape: shape, name: "avgpool")
            case .globalAveragePool:
                let shape = ActivationShape(channels: x.shape.channels, height: 1, width: 1)
                x = emit(.averagePool(height: x.shape.height, width: x.shape.width), inputs: [x], outputShape: shape,
                         name: "avgpool")
            case .flatten:
                x.shape = ActivationShape(channels: x.shape.count, height: 1, width: 1)
            case .residual(let body, let shortcut):
                let skip = shortcut.isEmpty ? x : try compile(shortcut[...], input: x)
                var fuseRelu = false
                if index < layers.endIndex, case .relu = layers[index] { fuseRelu = true }
                let bodyEndsInConvolution = Self.endsInConvolution(body)
                let sum = try compile(body[...], input: x, residual: bodyEndsInConvolution ? skip : nil,
                                      reluAfter: fuseRelu)
                if bodyEndsInConvolution {
                    x = sum
                } else {
                    x = emit(.add(relu: fuseRelu), inputs: [sum, skip], outputShape: sum.shape, name: "add")
                }
                if fuseRelu { index += 1 }
            }
        }
        return x
    }

    /// Whether `layers` ends with a convolution, optionally followed by its batch norm.
    private static func endsInConvolution(_ layers: [Layer]) -> Bool {
        var tail = layers[...]
        if case .batchNorm = tail.last { tail = tail.dropLast() }
        if case .convolution = tail.last { return true }
        return false
    }
}
