import SupermaskZoo

/// `supermask zoo`'s listing: every registry entry with its local state (docs/zoo.md, "Listing").
struct ZooReport: Encodable {
    /// One entry of the listing.
    struct Row: Encodable {
        var name: String
        var kind: String
        var architecture: String
        var dataset: String
        var `init`: String
        var keep: Double?
        var keptWeights: Int?
        var reportedTop1: Double?
        var pytorchAccuracy: Double?
        var url: String?
        var state: String
        /// For a recorded or verified release, what its SHA-256 was checked against: "registry" or "first-fetch".
        var sha256Source: String?
        var detail: String
        var file: String?
        var h5: String?

        enum CodingKeys: String, CodingKey {
            case name, kind, architecture, dataset, `init`, keep, keptWeights = "kept_weights", reportedTop1 = "reported_top1"
            case pytorchAccuracy = "pytorch_accuracy", url, state, sha256Source = "sha256_source", detail, file, h5
        }

        // Optional fields are written as null rather than left out, so every row has the same keys.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(kind, forKey: .kind)
            try container.encode(architecture, forKey: .architecture)
            try container.encode(dataset, forKey: .dataset)
            try container.encode(`init`, forKey: .`init`)
            try container.encode(keep, forKey: .keep)
            try container.encode(keptWeights, forKey: .keptWeights)
            try container.encode(reportedTop1, forKey: .reportedTop1)
            try container.encode(pytorchAccuracy, forKey: .pytorchAccuracy)
            try container.encode(url, forKey: .url)
            try container.encode(state, forKey: .state)
            try container.encode(sha256Source, forKey: .sha256Source)
            try container.encode(detail, forKey: .detail)
            try container.encode(file, forKey: .file)
            try container.encode(h5, forKey: .h5)
        }
    }

    /// The registry file listed.
    var registry: String
    /// The download directory examined.
    var directory: String
    var models: [Row]

    init(registry: String, directory: String, statuses: [ZooStatus]) {
        self.registry = registry
        self.directory = directory
        models = statuses.map { status in
            let entry = status.entry
            return Row(
                name: entry.name, kind: entry.kind.rawValue, architecture: entry.architecture, dataset: entry.dataset,
                init: entry.`init`, keep: entry.keep ?? status.keep, keptWeights: entry.keptWeights ?? status.keptWeights, reportedTop1: entry.reportedTop1,
                pytorchAccuracy: status.pytorchAccuracy, url: entry.url, state: status.state.rawValue,
                sha256Source: status.sha256Source?.rawValue, detail: status.detail, file: status.file, h5: status.h5)
        }
    }
}
