import Foundation
import SupermaskCore

/// What `supermask fetch` wrote after every check on a released file passed: `<file>.fetch.json` beside the
/// file in the download directory (docs/zoo.md). It pins the SHA-256 of the first fetch when the registry has
/// none, so every later fetch and every `supermask zoo` listing is checked against it.
public struct FetchRecord: Codable, Sendable, Equatable {
    /// Where the digest came from.
    public enum DigestSource: String, Codable, Sendable {
        /// The registry pinned it, and the file matched.
        case registry
        /// The registry had none; this is the digest of the first file fetched.
        case firstFetch = "first-fetch"
    }

    /// What the structure check found; `nil` in a record when the file was fetched with `--no-convert`.
    public struct Structure: Codable, Sendable, Equatable {
        /// The architecture the converted checkpoint loaded as (equal to the registry's).
        public var architecture: String
        /// The keep fraction its masks were computed at.
        public var keep: Double
        /// Weights the masks keep over all layers.
        public var keptWeights: Int
        /// All weights of the masked layers.
        public var weights: Int
        /// The converted `.h5`'s name in the download directory.
        public var h5: String
        /// Its size in bytes.
        public var h5Size: Int

        enum CodingKeys: String, CodingKey {
            case architecture, keep, keptWeights = "kept_weights", weights, h5, h5Size = "h5_size"
        }
    }

    /// `supermask-zoo-fetch`.
    public var format = "supermask-zoo-fetch"
    /// `1`.
    public var version = 1
    /// The registry entry's name.
    public var name: String
    /// The released file's name.
    public var file: String
    /// Where it was fetched from.
    public var url: String
    /// Its size in bytes.
    public var size: Int
    /// Its SHA-256, 64 lower-case hex digits.
    public var sha256: String
    public var sha256Source: DigestSource
    /// When every check passed, ISO 8601 UTC.
    public var verified: String
    public var structure: Structure?

    enum CodingKeys: String, CodingKey {
        case format, version, name, file, url, size, sha256, sha256Source = "sha256_source", verified, structure
    }

    /// The record's path for the released file at `path`.
    public static func path(for path: String) -> String { path + ".fetch.json" }

    /// Reads the record at `path`; `nil` when there is none, an error when it exists but is not a record.
    public static func read(_ path: String) throws -> FetchRecord? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = try? RegularFile.read(path, limit: 1 << 20, what: "a fetch record"),
              let record = try? JSONDecoder().decode(FetchRecord.self, from: Data(bytes)),
              record.format == "supermask-zoo-fetch", record.version == 1, ZooRegistry.isHexDigest(record.sha256)
        else {
            throw SupermaskError(file: path, "not a fetch record written by supermask fetch; delete it to fetch again")
        }
        return record
    }

    /// Writes the record atomically, pretty-printed with sorted keys.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try (encoder.encode(self) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SupermaskError(file: path, "cannot write the fetch record: \(error.localizedDescription)")
        }
    }
}
