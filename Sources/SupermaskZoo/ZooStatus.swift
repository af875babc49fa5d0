import Foundation
import SupermaskCore
import SupermaskFormat

/// What of a zoo entry is present locally and whether it checks out — one row of `supermask zoo`.
public struct ZooStatus: Sendable {
    /// The local state, from nothing to verified.
    public enum State: String, Codable, Sendable {
        /// A release that is not in the download directory.
        case absent
        /// A release whose download stopped; `supermask fetch` resumes it.
        case partial
        /// A release present without a fetch record: never checked.
        case unverified
        /// A release whose size and SHA-256 match the digest recorded when supermask first fetched it, the registry
        /// pinning none: the bytes are the ones downloaded then, which is all that can be said of them.
        case recorded
        /// A release whose size and SHA-256 match the registry's (and whose structure passed), or a bundled model
        /// whose container loads (every CRC) as the registry's architecture.
        case verified
        /// A present file that fails a check.
        case failed
        /// A dense baseline: nothing was released.
        case unreleased
        /// A bundled model whose file is not there.
        case missing
    }

    public var entry: ZooEntry
    public var state: State
    /// The model file's path (the release in the download directory, or the bundled `.smask`), when present.
    public var file: String?
    /// The converted `.h5`'s path, when present and recorded.
    public var h5: String?
    /// What the state rests on, in a few words; it may quote registry strings and paths, unescaped.
    public var detail: String
    /// For a present, recorded release: where the SHA-256 it was checked against comes from.
    public var sha256Source: FetchRecord.DigestSource?
    /// For a bundled model, the accuracy PyTorch measured on the bundled test split (its manifest).
    public var pytorchAccuracy: Double?
    /// For a bundled model that loads, its keep fraction and kept weights as the container stores them.
    public var keep: Double?
    public var keptWeights: Int?

    /// Examines `entry` of `registry` against the download directory `directory`; hashes every present release.
    public static func of(_ entry: ZooEntry, registry: ZooRegistry, directory: URL) -> ZooStatus {
        switch entry.kind {
        case .release: return release(entry, directory: directory)
        case .baseline: return ZooStatus(entry: entry, state: .unreleased, detail: "configuration only, no checkpoint released")
        case .bundled: return bundled(entry, registry: registry)
        }
    }

    private init(entry: ZooEntry, state: State, file: String? = nil, h5: String? = nil, detail: String, pytorchAccuracy: Double? = nil) {
        self.entry = entry
        self.state = state
        self.file = file
        self.h5 = h5
        self.detail = detail
        self.pytorchAccuracy = pytorchAccuracy
    }

    private static func release(_ entry: ZooEntry, directory: URL) -> ZooStatus {
        let path = directory.appendingPathComponent(entry.file ?? "").path
        guard let size = HTTPDownload.fileSize(path) else {
            if let partial = HTTPDownload.fileSize(path + ".part") {
                let of = entry.size.map { " of \($0)" } ?? ""
                return ZooStatus(entry: entry, state: .partial, detail: "\(partial)\(of) bytes downloaded; fetch resumes")
            }
            return ZooStatus(entry: entry, state: .absent, detail: "not fetched")
        }
        let record: FetchRecord?
        do {
            record = try FetchRecord.read(FetchRecord.path(for: path))
        } catch {
            return ZooStatus(entry: entry, state: .failed, file: path, detail: Self.text(of: error))
        }
        guard let record else {
            return ZooStatus(entry: entry, state: .unverified, file: path, detail: "no fetch record; supermask fetch \(entry.name) checks it")
        }
        func failed(_ detail: String) -> ZooStatus { ZooStatus(entry: entry, state: .failed, file: path, detail: detail) }
        if let expected = entry.size, size != expected { return failed("\(size) bytes, the registry says \(expected)") }
        guard size == record.size else { return failed("\(size) bytes, \(record.size) when verified") }
        guard let digest = try? SHA256.hexDigest(ofFile: path) else { return failed("cannot read the file") }
        let pinned = entry.sha256 ?? record.sha256
        guard digest == pinned else {
            return failed("sha256 \(digest.prefix(12))… does not match \(entry.sha256 != nil ? "the registry's" : "the first fetch's") \(pinned.prefix(12))…")
        }
        // Checked against the registry's digest, or only against the one the first fetch recorded.
        let (state, checkedAgainst): (State, String) = entry.sha256 != nil
            ? (.verified, "sha256 (the registry's)")
            : (.recorded, "sha256 (recorded at the first fetch; the registry pins none)")
        var status = ZooStatus(entry: entry, state: state, file: path, detail: "")
        status.sha256Source = entry.sha256 != nil ? .registry : .firstFetch
        guard let structure = record.structure else {
            status.detail = "size and \(checkedAgainst); structure not checked (fetched with --no-convert)"
            return status
        }
        let h5 = directory.appendingPathComponent(structure.h5).path
        guard HTTPDownload.fileSize(h5) == structure.h5Size else {
            status.detail = "size, \(checkedAgainst) and structure; \(structure.h5) missing or changed: fetch again to convert"
            return status
        }
        status.h5 = h5
        status.detail = "size, \(checkedAgainst) and structure (\(structure.architecture))"
        return status
    }

    private static func bundled(_ entry: ZooEntry, registry: ZooRegistry) -> ZooStatus {
        let path = registry.directory.appendingPathComponent(entry.path ?? "").path
        let accuracy = entry.manifest.flatMap { pytorchAccuracy(of: entry.name, manifest: registry.directory.appendingPathComponent($0).path) }
        guard FileManager.default.fileExists(atPath: path) else {
            return ZooStatus(entry: entry, state: .missing, detail: "not in this checkout", pytorchAccuracy: accuracy)
        }
        do {
            let model = try ContainerReader.load(path: path).model
            guard model.architecture.name == entry.architecture else {
                return ZooStatus(entry: entry, state: .failed, file: path, detail: "holds a \(model.architecture.name), the registry says \(entry.architecture)", pytorchAccuracy: accuracy)
            }
            var status = ZooStatus(entry: entry, state: .verified, file: path, detail: "container CRCs and architecture", pytorchAccuracy: accuracy)
            status.keep = model.keep?.value ?? 1
            status.keptWeights = model.architecture.convolutions.reduce(0) { $0 + model.parameters(of: $1).keptCount }
            return status
        } catch {
            return ZooStatus(entry: entry, state: .failed, file: path, detail: Self.text(of: error), pytorchAccuracy: accuracy)
        }
    }

    /// An error as detail text: its file and message as they are, escaped once when the listing is printed.
    private static func text(of error: any Error) -> String {
        guard let error = error as? SupermaskError else { return "\(error)" }
        return error.file.map { "\($0): \(error.message)" } ?? error.message
    }

    /// `models[name].pytorch.accuracy` of the bundle whose manifest is at `path`, if the manifest reads and has it.
    static func pytorchAccuracy(of name: String, manifest path: String) -> Double? {
        let bundle = URL(fileURLWithPath: path).deletingLastPathComponent()
        return (try? BundleManifest.load(directory: bundle))?.models.first { $0.name == name }?.pytorch.accuracy
    }
}
