/// The residual block of a ResNet.
public enum ResidualBlock: String, Sendable {
    /// Two 3×3 convolutions, the first carrying the stride (expansion 1).
    case basic
    /// 1×1, 3×3 (carrying the stride, torchvision's "v1.5"), 1×1 expanding by 4.
    case bottleneck

    var expansion: Int { self == .basic ? 1 : 4 }
}

extension Architecture {
    /// Every architecture hidden-networks defines and supermask runs, under the original code's names.
    public static let catalogue: [Architecture] = [
        imageNetResNet(name: "ResNet18", block: .basic, blockCounts: [2, 2, 2, 2]),
        imageNetResNet(name: "ResNet50", block: .bottleneck, blockCounts: [3, 4, 6, 3]),
        imageNetResNet(name: "ResNet101", block: .bottleneck, blockCounts: [3, 4, 23, 3]),
        imageNetResNet(name: "WideResNet50_2", block: .bottleneck, blockCounts: [3, 4, 6, 3], widthPerGroup: 128),
        imageNetResNet(name: "WideResNet101_2", block: .bottleneck, blockCounts: [3, 4, 23, 3], widthPerGroup: 128),
        cifarResNet(name: "cResNet18", block: .basic, blockCounts: [2, 2, 2, 2]),
        cifarResNet(name: "cResNet50", block: .bottleneck, blockCounts: [3, 4, 6, 3]),
        frankleFullyConnected(),
        frankleConv(name: "Conv2", convolutionWidths: [64, 64]),
        frankleConv(name: "Conv4", convolutionWidths: [64, 64, 128, 128]),
        frankleConv(name: "Conv6", convolutionWidths: [64, 64, 128, 128, 256, 256]),
        frankleConv(name: "Conv8", convolutionWidths: [64, 64, 128, 128, 256, 256, 512, 512]),
    ]

    /// The catalogue architecture called `name`, ignoring case and punctuation (`resnet50`, `wide-resnet50-2`).
    public static func named(_ name: String) -> Architecture? {
        let key = normalizedName(name)
        return catalogue.first { normalizedName($0.name) == key }
    }

    /// The names of the catalogue, for error messages and help.
    public static var catalogueNames: String { catalogue.map(\.name).joined(separator: ", ") }

    private static func normalizedName(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// An ImageNet ResNet as hidden-networks' `models/resnet.py` builds it: 7×7/2 stem, BN, ReLU, 3×3/2
    /// max-pool, four stages (the first block of stages 2–4 has stride 2; a stage's first block gets a
    /// `downsample` 1×1 convolution + BN when its stride or channel count changes), global average pooling
    /// and a bias-free 1×1-convolution classifier `fc`. The stem has `planes[0]` channels.
    public static func imageNetResNet(
        name: String, block: ResidualBlock, blockCounts: [Int], planes: [Int] = [64, 128, 256, 512],
        widthPerGroup: Int = 64, classCount: Int = 1000, inputShape: [Int] = [3, 224, 224]
    ) -> Architecture {
        var layers: [Layer] = [
            .convolution(Convolution("conv1", inputShape[0], planes[0], kernel: 7, stride: 2)),
            .batchNorm(BatchNorm("bn1", channels: planes[0])),
            .relu,
            .maxPool(kernel: 3, stride: 2, padding: 1),
        ]
        let (stages, channels) = residualStages(
            block: block, blockCounts: blockCounts, planes: planes, inputChannels: planes[0],
            widthPerGroup: widthPerGroup, shortcutName: "downsample")
        layers += stages
        layers += [.globalAveragePool, .convolution(Convolution("fc", channels, classCount, kernel: 1))]
        return Architecture(
            name: name, inputShape: inputShape, inputRule: .anySize(minimumSide: 1), classCount: classCount,
            layers: layers)
    }

    /// A CIFAR ResNet as `models/resnet_cifar.py` builds it: 3×3/1 stem, BN, ReLU (no max-pool), four stages
    /// whose projection shortcuts are called `shortcut`, a fixed 4×4 average pool, and a 1×1 `fc` to 10 classes.
    /// The bottleneck's inner width is `planes`.
    public static func cifarResNet(
        name: String, block: ResidualBlock, blockCounts: [Int], planes: [Int] = [64, 128, 256, 512],
        classCount: Int = 10
    ) -> Architecture {
        var layers: [Layer] = [
            .convolution(Convolution("conv1", 3, planes[0], kernel: 3)),
            .batchNorm(BatchNorm("bn1", channels: planes[0])),
            .relu,
        ]
        let (stages, channels) = residualStages(
            block: block, blockCounts: blockCounts, planes: planes, inputChannels: planes[0], widthPerGroup: 64,
            shortcutName: "shortcut")
        layers += stages
        layers += [.averagePool(kernel: 4), .convolution(Convolution("fc", channels, classCount, kernel: 1))]
        return Architecture(name: name, inputShape: [3, 32, 32], inputRule: .exact, classCount: classCount, layers: layers)
    }

    /// The four stages of a ResNet and the channel count they end with.
    private static func residualStages(
        block: ResidualBlock, blockCounts: [Int], planes: [Int], inputChannels: Int, widthPerGroup: Int,
        shortcutName: String
    ) -> ([Layer], Int) {
        var layers: [Layer] = []
        var channels = inputChannels
        for (stage, count) in blockCounts.enumerated() {
            for index in 0..<count {
                let prefix = "layer\(stage + 1).\(index)"
                let stride = stage > 0 && index == 0 ? 2 : 1
                let output = planes[stage] * block.expansion
                var body: [Layer]
                switch block {
                case .basic:
                    body = [
                        .convolution(Convolution("\(prefix).conv1", channels, planes[stage], kernel: 3, stride: stride)),
                        .batchNorm(BatchNorm("\(prefix).bn1", channels: planes[stage])),
                        .relu,
                        .convolution(Convolution("\(prefix).conv2", planes[stage], planes[stage], kernel: 3)),
                        .batchNorm(BatchNorm("\(prefix).bn2", channels: planes[stage])),
                    ]
                case .bottleneck:
                    let width = planes[stage] * widthPerGroup / 64
                    body = [
                        .convolution(Convolution("\(prefix).conv1", channels, width, kernel: 1)),
                        .batchNorm(BatchNorm("\(prefix).bn1", channels: width)),
                        .relu,
                        .convolution(Convolution("\(prefix).conv2", width, width, kernel: 3, stride: stride)),
                        .batchNorm(BatchNorm("\(prefix).bn2", channels: width)),
                        .relu,
                        .convolution(Convolution("\(prefix).conv3", width, output, kernel: 1)),
                        .batchNorm(BatchNorm("\(prefix).bn3", channels: output)),
                    ]
                }
                var shortcut: [Layer] = []
                if stride != 1 || channels != output {
                    shortcut = [
                        .convolution(Convolution("\(prefix).\(shortcutName).0", channels, output, kernel: 1, stride: stride)),
                        .batchNorm(BatchNorm("\(prefix).\(shortcutName).1", channels: output)),
                    ]
                }
                layers += [.residual(body: body, shortcut: shortcut), .relu]
                channels = output
            }
        }
        return (layers, channels)
    }

    /// A Frankle et al. convolutional net as `models/frankle.py` builds it: pairs of 3×3 convolutions with
    /// ReLU, each pair followed by a 2×2 max-pool (`convs.<i>`, Sequential indices 0, 2, 5, 7, …), then a
    /// channel-major flatten and three 1×1-convolution "linear" layers (`linear.0`, `.2`, `.4`).
    public static func frankleConv(
        name: String, convolutionWidths: [Int], hidden: Int = 256, classCount: Int = 10
    ) -> Architecture {
        var layers: [Layer] = []
        var channels = 3
        var index = 0
        var side = 32
        for (position, width) in convolutionWidths.enumerated() {
            layers += [.convolution(Convolution("convs.\(index)", channels, width, kernel: 3)), .relu]
            channels = width
            index += 2
            if position % 2 == 1 {
                layers.append(.maxPool(kernel: 2, stride: 2, padding: 0))
                index += 1
                side /= 2
            }
        }
        layers.append(.flatten)
        layers += linearStack(inputs: channels * side * side, widths: [hidden, hidden, classCount])
        return Architecture(name: name, inputShape: [3, 32, 32], inputRule: .exact, classCount: classCount, layers: layers)
    }

    /// The MNIST fully connected net of `models/frankle.py`: 784 → 300 → 100 → 10, as 1×1 convolutions.
    public static func frankleFullyConnected() -> Architecture {
        Architecture(
            name: "FC", inputShape: [1, 28, 28], inputRule: .anyShapeWithSameCount, classCount: 10,
            layers: [.flatten] + linearStack(inputs: 784, widths: [300, 100, 10]))
    }

    /// `linear.0`, ReLU, `linear.2`, ReLU, `linear.4`: 1×1 convolutions on a [N, F, 1, 1] tensor.
    private static func linearStack(inputs: Int, widths: [Int]) -> [Layer] {
        var layers: [Layer] = []
        var features = inputs
        for (position, width) in widths.enumerated() {
            if position > 0 { layers.append(.relu) }
            layers.append(.convolution(Convolution("linear.\(2 * position)", features, width, kernel: 1)))
            features = width
        }
        return layers
    }
}
