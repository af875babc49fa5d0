import Foundation
import SupermaskCore
import SupermaskTorchInit

/// The model zoo's registry, `models/zoo.json` (format `supermask-zoo`, version 1; docs/zoo.md).
public struct ZooRegistry: Codable, Sendable {
    /// `supermask-zoo`.
    public var format: String
    /// `1`.
    public var version: Int
    /// Every model, in the order `supermask zoo` lists them.
    public var models: [ZooEntry]

    /// The directory bundled models' `path` and `manifest` are relative to (the registry file's directory).
    public var directory: URL = URL(fileURLWithPath: ".")

    enum CodingKeys: String, CodingKey { case format, version, models }

    static let formatName = "supermask-zoo"
    static let supportedVersion = 1

    /// The entry called `name`.
    public func entry(named name: String) -> ZooEntry? {
        models.first { $0.name == name }
    }

    /// Reads and checks the registry at `path`; any problem is one error naming the file.
    public static func load(path: String) throws -> ZooRegistry {
        // The registry lists a few dozen models in a few KB.
        let data = Data(try RegularFile.read(path, limit: 16 << 20, what: "a zoo registry"))
        var registry: ZooRegistry
        do {
            registry = try JSONDecoder().decode(ZooRegistry.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            throw SupermaskError(file: path, "no \"\(key.stringValue.escapedForDisplay(limit: 80))\" in \(Self.location(context.codingPath))")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw SupermaskError(file: path, "wrong type at \(Self.location(context.codingPath))")
        } catch DecodingError.dataCorrupted(let context) {
            throw SupermaskError(file: path, "not a zoo registry: \(context.debugDescription.escapedForDisplay()) at \(Self.location(context.codingPath))")
        } catch {
            throw SupermaskError(file: path, "not a zoo registry (JSON)")
        }
        registry.directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try registry.validate()
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
        return registry
    }

    /// Checks what JSON decoding cannot: the format tag, unique names, known architectures, and the fields each
    /// kind requires.
    func validate() throws {
        guard format == Self.formatName else { throw SupermaskError("format is '\(format.escapedForDisplay())', not '\(Self.formatName)'") }
        guard version == Self.supportedVersion else {
            throw SupermaskError("version \(version) of the registry format; this supermask reads version \(Self.supportedVersion)")
        }
        var seen: Set<String> = []
        for entry in models {
            guard !entry.name.isEmpty, seen.insert(entry.name).inserted else {
                throw SupermaskError("model name '\(entry.name.escapedForDisplay())' is empty or repeated")
            }
            let name = entry.name.escapedForDisplay()
            guard entry.catalogueArchitecture != nil else {
                throw SupermaskError("\(name): unknown architecture '\(entry.architecture.escapedForDisplay())'; known: \(Architecture.catalogueNames)")
            }
            if let keep = entry.keep {
                do { _ = try KeepFraction(keep) } catch let error as SupermaskError { throw SupermaskError("\(name): \(error.message)") }
            }
            switch entry.kind {
            case .release:
                try Self.require(entry.keep, "keep", name)
                let file = try Self.require(entry.file, "file", name)
                guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                    throw SupermaskError("\(name): file '\(file.escapedForDisplay())' must be a plain file name")
                }
                let url = try Self.require(entry.url, "url", name)
                guard let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                    throw SupermaskError("\(name): url '\(url.escapedForDisplay())' is not an http(s) URL")
                }
                if let size = entry.size, size <= 0 { throw SupermaskError("\(name): size \(size) is not positive") }
                if let digest = entry.sha256, !Self.isHexDigest(digest) {
                    throw SupermaskError("\(name): sha256 '\(digest.escapedForDisplay(limit: 80))' is not 64 lower-case hex digits")
                }
                switch (entry.torchSeed, entry.torchProfile) {
                case (nil, nil):
                    break
                case (.some, nil), (nil, .some):
                    throw SupermaskError("\(name): torch_seed and torch_profile are set together or not at all")
                case (.some, .some(let profile)):
                    guard TorchProfile(rawValue: profile) != nil else {
                        throw SupermaskError(
                            "\(name): torch_profile '\(profile.escapedForDisplay(limit: 80))' is not one of \(TorchProfile.names)")
                    }
                }
            case .baseline, .bundled:
                guard entry.torchSeed == nil, entry.torchProfile == nil else {
                    throw SupermaskError("\(name): only a release has a torch_seed")
                }
                if entry.kind == .bundled { try Self.require(entry.path, "path", name) }
            }
        }
    }

    /// Whether `text` is a SHA-256 as this project writes it: 64 lower-case hex digits.
    public static func isHexDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    @discardableResult
    private static func require<Value>(_ value: Value?, _ field: String, _ name: String) throws -> Value {
        guard let value else { throw SupermaskError("\(name): a \(field) is required") }
        return value
    }

    private static func location(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue.escapedForDisplay(limit: 80) }.joined(separator: ".")
    }
}
