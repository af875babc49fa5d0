import Testing
@testable import SupermaskCore

@Suite struct ArchitectureCatalogueTests {
    /// Weight and kept counts at k = 0.3, and BN layer/channel counts, from the original code's models.
    @Test(arguments: [
        ("ResNet18", 11_678_912, 3_503_684, 21, 20, 4_800),
        ("ResNet50", 25_502_912, 7_650_902, 54, 53, 26_560),
        ("ResNet101", 44_442_816, 13_332_914, 105, 104, 52_672),
        ("WideResNet50_2", 68_814_016, 20_644_231, 54, 53, 34_112),
        ("WideResNet101_2", 126_747_840, 38_024_402, 105, 104, 68_928),
    ])
    func imageNetNetworksHaveTheOriginalSizes(
        name: String, weights: Int, kept: Int, convolutions: Int, norms: Int, channels: Int
    ) throws {
        let architecture = try #require(Architecture.named(name))
        let keep = try KeepFraction(0.3)
        #expect(architecture.convolutions.reduce(0) { $0 + $1.weightCount } == weights)
        #expect(architecture.convolutions.reduce(0) { $0 + keep.keptCount(of: $1.weightCount) } == kept)
        #expect(architecture.convolutions.count == convolutions)
        #expect(architecture.batchNorms.count == norms)
        #expect(architecture.batchNorms.reduce(0) { $0 + $1.channels } == channels)
    }

    @Test(arguments: [
        ("cResNet18", 11_164_352), ("FC", 266_200), ("Conv2", 4_300_992), ("Conv4", 2_425_024),
        ("Conv6", 2_261_184), ("Conv8", 5_275_840),
    ])
    func smallNetworksHaveTheOriginalSizes(name: String, weights: Int) throws {
        let architecture = try #require(Architecture.named(name))
        #expect(architecture.convolutions.reduce(0) { $0 + $1.weightCount } == weights)
    }

    @Test func resNet50KeysAndStridesFollowTheOriginalLayout() throws {
        let convolutions = try #require(Architecture.named("resnet-50")).convolutions
        let byName = Dictionary(uniqueKeysWithValues: convolutions.map { ($0.name, $0) })
        #expect(convolutions.first?.name == "conv1")
        #expect(byName["conv1"]?.weightShape == [64, 3, 7, 7])
        #expect(byName["conv1"]?.padding == 3)
        #expect(byName["layer2.0.conv2"]?.stride == 2)
        #expect(byName["layer2.0.conv1"]?.stride == 1)
        #expect(byName["layer1.0.downsample.0"]?.weightShape == [256, 64, 1, 1])
        #expect(byName["layer1.0.downsample.0"]?.stride == 1)
        #expect(byName["layer4.0.downsample.0"]?.stride == 2)
        #expect(byName["fc"]?.weightShape == [1000, 2048, 1, 1])
        let names = convolutions.map(\.name)
        #expect(names.firstIndex(of: "layer1.0.conv3")! < names.firstIndex(of: "layer1.0.downsample.0")!)
    }

    @Test func wideResNetDoublesOnlyTheInnerWidth() throws {
        let byName = Dictionary(uniqueKeysWithValues: try #require(Architecture.named("WideResNet50_2")).convolutions.map { ($0.name, $0) })
        #expect(byName["layer1.0.conv2"]?.weightShape == [128, 128, 3, 3])
        #expect(byName["layer1.0.conv3"]?.weightShape == [256, 128, 1, 1])
        #expect(byName["layer4.2.conv2"]?.weightShape == [1024, 1024, 3, 3])
    }

    @Test func frankleNetsUseTheSequentialIndices() throws {
        let conv8 = try #require(Architecture.named("conv8")).convolutions.map(\.name)
        #expect(conv8 == ["convs.0", "convs.2", "convs.5", "convs.7", "convs.10", "convs.12", "convs.15", "convs.17", "linear.0", "linear.2", "linear.4"])
        let conv2 = try #require(Architecture.named("Conv2")).convolutions
        #expect(conv2[2].weightShape == [256, 16_384, 1, 1])
    }

    @Test func cifarResNetUsesShortcutKeys() throws {
        let names = try #require(Architecture.named("cResNet18")).convolutions.map(\.name)
        #expect(names.contains("layer2.0.shortcut.0"))
        #expect(!names.contains { $0.contains("downsample") })
    }

    @Test func inputShapesAreChecked() throws {
        let resNet = try #require(Architecture.named("ResNet50"))
        try resNet.validateInput(shape: [2, 3, 224, 224])
        try resNet.validateInput(shape: [1, 3, 97, 130])
        #expect(throws: SupermaskError.self) { try resNet.validateInput(shape: [1, 1, 224, 224]) }
        #expect(throws: SupermaskError.self) { try resNet.validateInput(shape: [3, 224, 224]) }
        #expect(throws: SupermaskError("input batch [0, 3, 224, 224] holds no images")) {
            try resNet.validateInput(shape: [0, 3, 224, 224])
        }
        let cifar = try #require(Architecture.named("Conv4"))
        #expect(throws: SupermaskError.self) { try cifar.validateInput(shape: [1, 3, 64, 64]) }
        let fc = try #require(Architecture.named("FC"))
        try fc.validateInput(shape: [4, 784, 1, 1])
        #expect(throws: SupermaskError.self) { try fc.validateInput(shape: [4, 1, 28, 27]) }
    }

    @Test func unknownNamesAreNil() {
        #expect(Architecture.named("ResNet34") == nil)
    }
}
