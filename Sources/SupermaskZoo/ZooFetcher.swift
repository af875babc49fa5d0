import Foundation
import SupermaskCore

/// `supermask fetch`: download a released checkpoint into the zoo directory, check its size, SHA-256 and
/// structure, convert it to `.h5`, and record what passed (docs/zoo.md, "Fetching").
///
/// Nothing that failed a check is left under the file's own name: a download lives in `<file>.part` until its
/// size and digest are right, the conversion in `<name>.h5.part` until it loads as the registry's architecture,
/// and the fetch record, which is what makes a file count as verified, is written last. A digest is recorded only
/// for bytes this command downloaded itself or that match the registry's: a file found in the directory without a
/// record is never trusted on its own say-so.
public struct ZooFetcher: Sendable {
    /// The registry the names are looked up in.
    public var registry: ZooRegistry
    /// Where released files, their records and conversions go.
    public var directory: URL
    /// Whether to convert to `.h5` (and so check the structure).
    public var converts = true
    /// The converter to use; `nil` finds it with `CheckpointConversion.locate`.
    public var converterScript: String?
    /// The most bytes a download may have when the registry gives no size.
    public var maxBytes = HTTPDownload.defaultMaxBytes
    /// The most seconds the converter may run before it is stopped.
    public var conversionTimeout = CheckpointConversion.defaultTimeout

    public init(registry: ZooRegistry, directory: URL) {
        self.registry = registry
        self.directory = directory
    }

    /// What a fetch did.
    public struct Report: Sendable {
        public var entry: ZooEntry
        /// The released file's path.
        public var path: String
        /// The record written for it.
        public var record: FetchRecord
        /// The download, or `nil` when the file was already there.
        public var download: HTTPDownload.Result?
        /// The converted checkpoint's path, when converted.
        public var h5: String?
        /// Warnings from loading the converted checkpoint.
        public var warnings: [String]
    }

    /// The released entry called `name`, or an error saying why it cannot be fetched.
    public func releasedEntry(_ name: String) throws -> ZooEntry {
        guard let entry = registry.entry(named: name) else {
            let fetchable = registry.models.filter { $0.kind == .release }.map { $0.name.escapedForDisplay() }
            throw SupermaskError("no model '\(name.escapedForDisplay())' in the zoo; fetchable: \(fetchable.joined(separator: ", "))")
        }
        switch entry.kind {
        case .release:
            return entry
        case .baseline:
            throw SupermaskError("\(name.escapedForDisplay()) is a dense baseline's configuration; the authors released no checkpoint for it")
        case .bundled:
            let path = registry.directory.appendingPathComponent(entry.path ?? "").path
            throw SupermaskError("\(name.escapedForDisplay()) is bundled with supermask (\(path.escapedPath)); there is nothing to fetch")
        }
    }

    /// Fetches, verifies and converts the release called `name`, reporting download progress to `progress`.
    public func fetch(_ name: String, progress: @escaping @Sendable (DownloadProgress) -> Void) throws -> Report {
        let entry = try releasedEntry(name)
        // `validate()` guarantees these for a release.
        guard let file = entry.file, let urlText = entry.url, let url = URL(string: urlText), let keep = entry.keep else {
            throw SupermaskError("\(name.escapedForDisplay()): the registry entry lacks a file, url or keep")
        }
        var conversion = converts ? try CheckpointConversion.locate(script: converterScript) : nil
        conversion?.timeout = conversionTimeout
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SupermaskError(file: directory.path, "cannot create the download directory: \(error.localizedDescription.escapedForDisplay())")
        }
        let path = directory.appendingPathComponent(file).path
        let recordPath = FetchRecord.path(for: path)
        let earlier = try FetchRecord.read(recordPath)

        var download: HTTPDownload.Result?
        let digest: String
        let fresh = !FileManager.default.fileExists(atPath: path)
        if fresh {
            let partPath = path + ".part"
            // The first fetch's size binds only while its digest does, i.e. while the registry pins none.
            let expectedSize = entry.size ?? (entry.sha256 == nil ? earlier?.size : nil)
            var transfer = HTTPDownload(url: url, partPath: partPath, expectedSize: expectedSize, label: path)
            transfer.maxBytes = maxBytes
            download = try transfer.run(progress: progress)
            do {
                digest = try checkContent(of: partPath, label: path, entry: entry, earlier: earlier)
            } catch {
                try? FileManager.default.removeItem(atPath: partPath)
                throw error
            }
            do {
                try FileManager.default.moveItem(atPath: partPath, toPath: path)
            } catch {
                throw SupermaskError(file: path, "cannot move the download into place: \(error.localizedDescription.escapedForDisplay())")
            }
        } else {
            guard entry.sha256 != nil || earlier != nil else {
                // Whatever put it there, its bytes were not downloaded by supermask: recording their digest now
                // would vouch for them, and would then refuse the real file.
                throw SupermaskError(file: path, "present without a fetch record, and the registry pins no sha256 to check it against; delete it and fetch again")
            }
            digest = try checkContent(of: path, label: path, entry: entry, earlier: earlier, hint: "; delete it to fetch it again")
        }
        let size = HTTPDownload.fileSize(path) ?? 0

        var structure: FetchRecord.Structure?
        var warnings: [String] = []
        var h5: String?
        if let conversion {
            do {
                (structure, warnings) = try convertAndCheck(path, entry: entry, keep: keep, conversion: conversion, earlier: earlier)
            } catch {
                if fresh { try? FileManager.default.removeItem(atPath: path) }
                throw error
            }
            h5 = structure.map { directory.appendingPathComponent($0.h5).path }
        } else if let kept = earlier?.structure, FileManager.default.fileExists(atPath: directory.appendingPathComponent(kept.h5).path) {
            structure = kept
        }
        let record = FetchRecord(
            name: entry.name, file: file, url: urlText, size: size, sha256: digest,
            sha256Source: entry.sha256 != nil ? .registry : .firstFetch,
            verified: ISO8601DateFormatter().string(from: Date()), structure: structure)
        try record.write(to: recordPath)
        return Report(entry: entry, path: path, record: record, download: download, h5: h5, warnings: warnings)
    }

    /// Checks the size and SHA-256 of the file at `path` against the registry, else against the earlier record,
    /// and returns the digest.
    private func checkContent(of path: String, label: String, entry: ZooEntry, earlier: FetchRecord?, hint: String = "") throws -> String {
        let size = HTTPDownload.fileSize(path) ?? 0
        if let expected = entry.size, size != expected {
            throw SupermaskError(file: label, "\(size) bytes, the registry says \(expected)\(hint)")
        }
        if entry.sha256 == nil, let earlier, size != earlier.size {
            throw SupermaskError(file: label, "\(size) bytes, but the first fetch (recorded in \(FetchRecord.path(for: label).escapedPath)) had \(earlier.size)\(hint)")
        }
        let digest = try SHA256.hexDigest(ofFile: path)
        if let pinned = entry.sha256 {
            guard digest == pinned else {
                throw SupermaskError(file: label, "sha256 \(digest) does not match the registry's \(pinned): the file is corrupted or not the release\(hint)")
            }
        } else if let earlier, digest != earlier.sha256 {
            throw SupermaskError(file: label, "sha256 \(digest) does not match \(earlier.sha256), recorded at its first fetch in \(FetchRecord.path(for: label).escapedPath)\(hint)")
        }
        return digest
    }

    /// Converts the release to `<name>.h5` (through `<name>.h5.part`) and checks its structure; a conversion the
    /// earlier record vouches for, still the same size, is kept.
    private func convertAndCheck(
        _ path: String, entry: ZooEntry, keep: Double, conversion: CheckpointConversion, earlier: FetchRecord?
    ) throws -> (FetchRecord.Structure, [String]) {
        let h5Name = entry.name + ".h5"
        let h5Path = directory.appendingPathComponent(h5Name).path
        if let structure = earlier?.structure, structure.h5 == h5Name, structure.keep == keep,
           HTTPDownload.fileSize(h5Path) == structure.h5Size {
            return (structure, [])
        }
        let partPath = h5Path + ".part"
        defer { try? FileManager.default.removeItem(atPath: partPath) }
        try conversion.convert(path, to: partPath, keep: keep)
        let finding: StructureCheck.Finding
        do {
            finding = try StructureCheck.check(partPath, against: entry)
        } catch let error as SupermaskError {
            // The release is what failed the check; the temporary .h5 is about to disappear.
            throw SupermaskError(file: path, error.message)
        }
        try? FileManager.default.removeItem(atPath: h5Path)
        do {
            try FileManager.default.moveItem(atPath: partPath, toPath: h5Path)
        } catch {
            throw SupermaskError(file: h5Path, "cannot move the conversion into place: \(error.localizedDescription.escapedForDisplay())")
        }
        let structure = FetchRecord.Structure(
            architecture: finding.architecture, keep: keep, keptWeights: finding.keptWeights, weights: finding.weights,
            h5: h5Name, h5Size: HTTPDownload.fileSize(h5Path) ?? 0)
        return (structure, finding.warnings)
    }
}
