import Foundation
import SupermaskCore
@testable import SupermaskZoo
import Testing

/// models/zoo.json against the paper's release table and the architecture catalogue; the loader's checks.
@Suite struct ZooRegistryTests {
    static let registryPath = ZooTestBed.repository.appendingPathComponent("models/zoo.json").path

    @Test func listsTheSixReleasesWithTheReadmesFacts() throws {
        let registry = try ZooRegistry.load(path: Self.registryPath)
        let releases = registry.models.filter { $0.kind == .release }
        #expect(releases.map(\.name) == [
            "resnet50-ukn", "resnet50-usc", "resnet101-ukn", "resnet101-usc", "wideresnet50-ukn", "wideresnet50-usc",
        ])
        #expect(releases.map(\.reportedTop1) == [61.7, 68.6, 66.15, 72.3, 67.9, 73.3])
        #expect(releases.map(\.file) == [
            "resnet50-ukn-unsigned.pth", "resnet50_usc_unsigned.pth", "resnet101-ukn-unsigned.pth",
            "resnet101-usc-unsigned.pth", "wideresnet50-ukn-unsigned.pth", "wideresnet50-usc-unsigned.pth",
        ])
        for release in releases {
            #expect(release.url == "https://prior-pretrained-models.s3-us-west-2.amazonaws.com/hidden-networks/" + (release.file ?? ""))
            #expect(release.keep == 0.3)
            #expect(release.`init` == (release.name.hasSuffix("usc") ? "signed-constant" : "kaiming-normal"))
            // Nothing was downloaded to learn these, so they must stay unknown rather than guessed.
            #expect(release.size == nil)
            #expect(release.sha256 == nil)
        }
    }

    /// Every kept-weight count equals what the catalogue's layers keep at the entry's fraction (the README's
    /// "Params" column for the releases).
    @Test func keptWeightsFollowFromTheCatalogue() throws {
        let registry = try ZooRegistry.load(path: Self.registryPath)
        var checked = 0
        for entry in registry.models where entry.keptWeights != nil {
            let architecture = try #require(entry.catalogueArchitecture)
            let keep = try KeepFraction(try #require(entry.keep))
            let kept = architecture.convolutions.reduce(0) { $0 + keep.keptCount(of: $1.weightCount) }
            #expect(entry.keptWeights == kept, "\(entry.name)")
            checked += 1
        }
        #expect(checked == 9)
    }

    @Test func baselinesHaveNoDownloadAndBundledModelsPointIntoTheBundle() throws {
        let registry = try ZooRegistry.load(path: Self.registryPath)
        let baselines = registry.models.filter { $0.kind == .baseline }
        #expect(baselines.map(\.architecture) == ["ResNet18", "ResNet50", "WideResNet50_2"])
        #expect(baselines.allSatisfy { $0.url == nil && $0.file == nil && $0.keep == 1 })
        let bundled = registry.models.filter { $0.kind == .bundled }
        #expect(bundled.map(\.name) == ["fc-usc", "fc-ukn", "fc-dense"])
        #expect(bundled.map(\.path) == ["mnist/fc-usc.smask", "mnist/fc-ukn.smask", "mnist/fc-dense.smask"])
        #expect(bundled.allSatisfy { $0.manifest == "mnist/manifest.json" && $0.architecture == "FC" })
    }

    @Test(arguments: [
        (#"{"format": "supermask-zoo", "version": 2, "models": []}"#, "version 2 of the registry format; this supermask reads version 1"),
        (#"{"format": "zoo", "version": 1, "models": []}"#, "format is 'zoo', not 'supermask-zoo'"),
        (#"{"format": "supermask-zoo", "version": 1}"#, "no \"models\" in the top level"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "ResNet51", "dataset": "ImageNet", "init": "kaiming-normal"}]}"#,
         "a: unknown architecture 'ResNet51'; known: \(Architecture.catalogueNames)"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "a.pth"}]}"#,
         "a: a url is required"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "../a.pth", "url": "http://x/a"}]}"#,
         "a: file '../a.pth' must be a plain file name"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "a.pth", "url": "ftp://x/a"}]}"#,
         "a: url 'ftp://x/a' is not an http(s) URL"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "a.pth", "url": "http://x/a", "sha256": "ABC"}]}"#,
         "a: sha256 'ABC' is not 64 lower-case hex digits"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "a.pth", "url": "http://x/a", "torch_seed": 7}]}"#,
         "a: torch_seed and torch_profile are set together or not at all"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "release", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 0.5, "file": "a.pth", "url": "http://x/a", "torch_seed": 7, "torch_profile": "torch3\u001b"}]}"#,
         "a: torch_profile 'torch3\\x1b' is not one of torch2-avx2, torch2-default, torch13-avx2"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "baseline", "architecture": "FC", "dataset": "MNIST", "init": "x", "torch_seed": 7, "torch_profile": "torch2-avx2"}]}"#,
         "a: only a release has a torch_seed"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "baseline", "architecture": "FC", "dataset": "MNIST", "init": "kaiming-normal", "keep": 1.5}]}"#,
         "a: keep fraction 1.5 is outside (0, 1]; it is the fraction of weights kept (the released models use 0.3)"),
        (#"{"format": "supermask-zoo", "version": 1, "models": [{"name": "a", "kind": "baseline", "architecture": "FC", "dataset": "MNIST", "init": "x"}, {"name": "a", "kind": "baseline", "architecture": "FC", "dataset": "MNIST", "init": "x"}]}"#,
         "model name 'a' is empty or repeated"),
    ])
    func aBadRegistryIsOneErrorNamingTheFile(json: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SupermaskError(file: path, message)) { try ZooRegistry.load(path: path) }
    }

    @Test(arguments: [
        ("bytes 100-199/200", true, 100, 200), ("bytes */1234", true, nil, 1234), ("bytes 0-9/*", true, 0, nil),
        ("items 0-9/10", false, nil, nil), ("bytes 9-0/10", false, nil, nil), ("bytes 0-9", false, nil, nil),
    ] as [(String, Bool, Int?, Int?)])
    func contentRangeHeadersParse(header: String, parses: Bool, first: Int?, total: Int?) {
        let range = ContentRange(header)
        #expect((range != nil) == parses)
        #expect(range?.first == first)
        #expect(range?.total == total)
    }
}

/// The registry's bundled entries against the committed bundle in models/mnist.
@Suite struct BundledModelTests {
    @Test func theBundledModelsVerifyAndCarryTheManifestsAccuracy() throws {
        let registry = try ZooRegistry.load(path: ZooRegistryTests.registryPath)
        let manifestPath = registry.directory.appendingPathComponent("mnist/manifest.json").path
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        let models = try #require(manifest["models"] as? [[String: Any]])
        for entry in registry.models where entry.kind == .bundled {
            let status = ZooStatus.of(entry, registry: registry, directory: URL(fileURLWithPath: "/nonexistent"))
            #expect(status.state == .verified, "\(entry.name): \(status.detail)")
            let listed = try #require(models.first { $0["name"] as? String == entry.name })
            let pytorch = try #require(listed["pytorch"] as? [String: Any])
            #expect(status.pytorchAccuracy == (pytorch["accuracy"] as? NSNumber)?.doubleValue)
            #expect(status.keep == (listed["keep"] as? NSNumber)?.doubleValue)
            // The FC net has 266,200 weights; a subnetwork keeps n − ⌊(1 − k)·n⌋ of each layer's.
            let keep = try KeepFraction(try #require(status.keep))
            let expected = [235_200, 30_000, 1_000].reduce(0) { $0 + keep.keptCount(of: $1) }
            #expect(status.keptWeights == expected)
        }
    }
}
