import SupermaskCore

/// One model of the zoo registry (docs/zoo.md): a released checkpoint to fetch, a dense baseline that was never
/// released, or a model bundled with the repository.
public struct ZooEntry: Codable, Sendable, Equatable {
    /// What kind of entry this is, which decides the fields that must be present.
    public enum Kind: String, Codable, Sendable {
        /// A checkpoint the authors published: `file`, `url`, `keep`, `kept_weights`, `reported_top1` are set.
        case release
        /// A learned dense baseline's configuration: no file, no URL.
        case baseline
        /// A `.smask` committed under `models/`: `path` and `manifest` are set.
        case bundled
    }

    /// The name `supermask fetch` takes, e.g. `resnet50-usc`; unique in the registry.
    public var name: String
    public var kind: Kind
    /// A name of the architecture catalogue (`ResNet50`, `WideResNet50_2`, `FC`, …).
    public var architecture: String
    /// `ImageNet` or `MNIST`.
    public var dataset: String
    /// The random weights' distribution: `kaiming-normal` or `signed-constant`.
    public var `init`: String
    /// The fraction of each layer's weights kept (1 for a dense baseline); absent for bundled models, whose
    /// `.smask` stores it.
    public var keep: Double?
    /// Weights kept over all layers at `keep`, as the catalogue counts them.
    public var keptWeights: Int?
    /// ImageNet top-1 in percent as the authors report it; `nil` when they report none in numbers.
    public var reportedTop1: Double?
    /// The released file's name (also its name in the download directory).
    public var file: String?
    /// Where the released file is published.
    public var url: String?
    /// The released file's size in bytes, when known.
    public var size: Int?
    /// The released file's SHA-256 (64 lower-case hex digits), when pinned; otherwise recorded on first fetch.
    public var sha256: String?
    /// The torch seed that drew a release's random weights and initial scores (docs/torch-init.md), once someone
    /// has recovered it with `supermask recover-seed`; `nil` until known.
    public var torchSeed: UInt64?
    /// The torch generator profile the seed was verified with (`torch2-avx2`, `torch2-default`, `torch13-avx2`).
    public var torchProfile: String?
    /// Where the facts come from.
    public var source: String?
    /// A bundled model's `.smask`, relative to the registry's directory.
    public var path: String?
    /// The bundle manifest with the accuracies PyTorch measured, relative to the registry's directory.
    public var manifest: String?

    enum CodingKeys: String, CodingKey {
        case name, kind, architecture, dataset, `init`, keep, keptWeights = "kept_weights", reportedTop1 = "reported_top1"
        case file, url, size, sha256, torchSeed = "torch_seed", torchProfile = "torch_profile", source, path, manifest
    }

    /// The catalogue architecture the entry names (checked when the registry loads).
    public var catalogueArchitecture: Architecture? { Architecture.named(architecture) }
}
