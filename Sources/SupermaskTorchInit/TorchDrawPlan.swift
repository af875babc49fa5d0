import SupermaskCore

/// Where each SubnetConv of a hidden-networks model takes its numbers in the generator's stream.
///
/// Building a SubnetConv draws, in order: n outputs for `nn.Conv2d`'s default weight w₀ (Kaiming-uniform with
/// a = √5; no bias), n for the scores (the same init), then what the builder's init draws (`TorchInitialisation`).
/// Nothing else in the model draws (non-affine BN, ReLU, pooling), so layer after layer in construction order
/// the offsets are sums of these counts, starting at 0: `main.py` draws nothing before `get_model`.
public struct TorchDrawPlan: Sendable {
    /// One convolution's place in the stream.
    public struct Layer: Sendable {
        /// The convolution.
        public let convolution: Convolution
        /// Its position among the architecture's convolutions in state-dict order.
        public let index: Int
        /// The stream offset of its first draw (w₀); the scores start at `offset + n`, the init at `offset + 2n`.
        public let offset: Int
        /// The draws of the builder's init.
        public let initDraws: Int

        /// The stream offset of the initial scores.
        public var scoresOffset: Int { offset + convolution.weightCount }
        /// The stream offset of the init's own draws (the Kaiming-normal weights of a `ukn` model).
        public var initOffset: Int { offset + 2 * convolution.weightCount }
        /// The offset of the next layer.
        public var end: Int { initOffset + initDraws }
    }

    /// The layers in construction order (the order of the stream).
    public let layers: [Layer]
    /// For each construction step, the state-dict index of the convolution built.
    public let constructionOrder: [Int]
    /// The outputs `get_model` draws in all: the stream position after it.
    public let totalDraws: Int
    private let positionOfIndex: [Int]

    /// The plan for `architecture` under `initialisation`, building its convolutions in `constructionOrder`
    /// (state-dict indices; by default hidden-networks' order for the architecture).
    public init(architecture: Architecture, initialisation: TorchInitialisation, constructionOrder: [Int]? = nil) throws {
        let convolutions = architecture.convolutions
        let order = constructionOrder ?? Self.hiddenNetworksConstructionOrder(architecture)
        guard order.count == convolutions.count, Set(order) == Set(convolutions.indices) else {
            throw SupermaskError("the construction order \(order.count <= 64 ? "\(order)" : "of \(order.count) layers") is not a permutation of the \(convolutions.count) convolutions")
        }
        var layers: [Layer] = []
        var positions = [Int](repeating: 0, count: convolutions.count)
        var offset = 0
        for index in order {
            let convolution = convolutions[index]
            if initialisation.needsNormalFill, convolution.weightCount < TorchNormal.minimumCount {
                throw SupermaskError("'\(convolution.name)' has \(convolution.weightCount) weights; torch draws normal_ for fewer than \(TorchNormal.minimumCount) through a scalar path that supermask does not reproduce")
            }
            let layer = Layer(
                convolution: convolution, index: index, offset: offset,
                initDraws: initialisation.drawCount(convolution.weightCount))
            positions[index] = layers.count
            layers.append(layer)
            offset = layer.end
        }
        self.layers = layers
        self.constructionOrder = order
        totalDraws = offset
        positionOfIndex = positions
    }

    /// The layer of the convolution at `index` in state-dict order.
    public func layer(index: Int) -> Layer { layers[positionOfIndex[index]] }

    /// hidden-networks' construction order, as state-dict indices: depth first like the state dict, except that
    /// an ImageNet ResNet (`models/resnet.py`) builds a stage's `downsample` before that stage's first block
    /// (`_make_layer` creates it first), while the CIFAR ResNets (`models/resnet_cifar.py`) build `shortcut` inside
    /// the block after its convolutions, and the Frankle nets build in order.
    public static func hiddenNetworksConstructionOrder(_ architecture: Architecture) -> [Int] {
        var next = 0
        return order(architecture.layers, next: &next)
    }

    private static func order(_ layers: [SupermaskCore.Layer], next: inout Int) -> [Int] {
        var result: [Int] = []
        for layer in layers {
            switch layer {
            case .convolution:
                result.append(next)
                next += 1
            case .residual(let body, let shortcut):
                let bodyOrder = order(body, next: &next)
                let shortcutOrder = order(shortcut, next: &next)
                result += isDownsample(shortcut) ? shortcutOrder + bodyOrder : bodyOrder + shortcutOrder
            default:
                break
            }
        }
        return result
    }

    private static func isDownsample(_ shortcut: [SupermaskCore.Layer]) -> Bool {
        shortcut.contains { layer in
            if case .convolution(let convolution) = layer { return convolution.name.hasSuffix("downsample.0") }
            return false
        }
    }
}
