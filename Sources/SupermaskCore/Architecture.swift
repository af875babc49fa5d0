/// A network's structure as data: the layers in order, with the names the state dict gives their parameters.
///
/// The importer validates a checkpoint against it, the inspector walks it, and the forward pass executes it.
/// Every architecture of hidden-networks is a sequence of these layers with residual blocks nested inside.
public struct Architecture: Sendable {
    /// The name the original code gives the architecture (`ResNet50`, `WideResNet50_2`, `cResNet18`, `Conv4`, …).
    public var name: String
    /// The input the network was built for, as (channels, height, width).
    public var inputShape: [Int]
    /// Which input sizes the network accepts besides `inputShape`.
    public var inputRule: InputRule
    /// The number of logits per image.
    public var classCount: Int
    /// The layers, in execution order.
    public var layers: [Layer]

    public init(name: String, inputShape: [Int], inputRule: InputRule, classCount: Int, layers: [Layer]) {
        self.name = name
        self.inputShape = inputShape
        self.inputRule = inputRule
        self.classCount = classCount
        self.layers = layers
    }

    /// Which input shapes a network accepts.
    public enum InputRule: Sendable {
        /// `inputShape` exactly (fixed pooling windows or a fixed flatten size).
        case exact
        /// The channel count of `inputShape` at any height and width of at least `minimumSide` (global pooling).
        case anySize(minimumSide: Int)
        /// Any shape whose per-image element count equals that of `inputShape` (the FC net reshapes its input).
        case anyShapeWithSameCount
    }

    /// Every convolution, in state-dict order.
    public var convolutions: [Convolution] {
        var result: [Convolution] = []
        Layer.walk(layers) { if case .convolution(let convolution) = $0 { result.append(convolution) } }
        return result
    }

    /// Every batch normalisation, in state-dict order.
    public var batchNorms: [BatchNorm] {
        var result: [BatchNorm] = []
        Layer.walk(layers) { if case .batchNorm(let norm) = $0 { result.append(norm) } }
        return result
    }

    /// Checks that `shape` ([N, C, H, W]) is an input this network accepts.
    public func validateInput(shape: [Int]) throws {
        guard shape.count == 4 else {
            throw SupermaskError("input has rank \(shape.count) (shape \(shape.shapeDescription)); \(name) takes a float32 NCHW batch of rank 4 such as \(([1] + inputShape).shapeDescription)")
        }
        guard shape[0] >= 1 else {
            throw SupermaskError("input batch \(shape.shapeDescription) holds no images")
        }
        let image = Array(shape.dropFirst())
        let expected = ([shape[0]] + inputShape).shapeDescription
        switch inputRule {
        case .exact:
            guard image == inputShape else {
                throw SupermaskError("input shape \(shape.shapeDescription) does not fit \(name), which needs \(expected)")
            }
        case .anySize(let minimumSide):
            guard image[0] == inputShape[0] else {
                throw SupermaskError("input has \(image[0]) channels; \(name) needs \(inputShape[0]) (shape \(expected))")
            }
            guard image[1] >= minimumSide, image[2] >= minimumSide else {
                throw SupermaskError("input \(image[1])×\(image[2]) is too small for \(name): each side needs at least \(minimumSide) pixels")
            }
        case .anyShapeWithSameCount:
            guard image.checkedProduct == inputShape.reduce(1, *) else {
                throw SupermaskError("input shape \(shape.shapeDescription) does not fit \(name), which needs \(inputShape.reduce(1, *)) values per image such as \(expected)")
            }
        }
    }
}

/// One step of a network.
public indirect enum Layer: Sendable {
    /// A bias-free convolution (or a 1×1 "linear" layer) whose weight may be masked.
    case convolution(Convolution)
    /// Batch normalisation with running statistics, affine or not.
    case batchNorm(BatchNorm)
    /// max(x, 0).
    case relu
    /// Max pooling over square windows; padded cells never win; the output size is floored.
    case maxPool(kernel: Int, stride: Int, padding: Int)
    /// Average pooling over non-overlapping `kernel`×`kernel` windows (the CIFAR ResNets' fixed `avg_pool2d(4)`).
    case averagePool(kernel: Int)
    /// The mean over all positions of each channel, giving a 1×1 map.
    case globalAveragePool
    /// Reshapes [N, C, H, W] to [N, C·H·W, 1, 1], channel-major (PyTorch's `view`).
    case flatten
    /// `body(x) + shortcut(x)`, where an empty shortcut is the identity.
    case residual(body: [Layer], shortcut: [Layer])

    /// Calls `visit` for every layer, depth first, body before shortcut (the state-dict order).
    public static func walk(_ layers: [Layer], _ visit: (Layer) -> Void) {
        for layer in layers {
            visit(layer)
            if case .residual(let body, let shortcut) = layer {
                walk(body, visit)
                walk(shortcut, visit)
            }
        }
    }
}

/// A convolution's hyper-parameters and the state-dict name of its parameters (`<name>.weight`, `<name>.scores`).
public struct Convolution: Sendable, Equatable {
    public var name: String
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    /// A convolution with the padding the hidden-networks builder uses: `kernel / 2` (1×1 → 0, 3×3 → 1, 7×7 → 3).
    public init(_ name: String, _ inputChannels: Int, _ outputChannels: Int, kernel: Int, stride: Int = 1) {
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = kernel / 2
    }

    /// The weight shape, [out, in, kh, kw].
    public var weightShape: [Int] { [outputChannels, inputChannels, kernel, kernel] }
    /// The number of weights.
    public var weightCount: Int { outputChannels * inputChannels * kernel * kernel }
    /// in · kh · kw, the fan-in of Kaiming initialisation.
    public var fanIn: Int { inputChannels * kernel * kernel }
}

/// A batch normalisation's state-dict name (`<name>.running_mean`, …) and channel count.
public struct BatchNorm: Sendable, Equatable {
    public var name: String
    public var channels: Int

    public init(_ name: String, channels: Int) {
        self.name = name
        self.channels = channels
    }
}
