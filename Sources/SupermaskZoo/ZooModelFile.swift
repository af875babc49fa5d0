import Foundation
import SupermaskCore

/// A model argument that names a zoo entry instead of a file (`supermask inspect resnet50-usc`): the converted
/// `.h5` of a fetched release, or a bundled `.smask`.
public enum ZooModelFile {
    /// `argument` itself when a file of that name exists or it cannot be a zoo name (it holds a `/` or a `.`);
    /// otherwise the file of the zoo model called `argument`, or a one-line error saying what to run to get it.
    public static func resolve(
        _ argument: String, registryPath: String? = ZooLocations.defaultRegistry(),
        downloadDirectory: URL = ZooLocations.defaultDownloadDirectory
    ) throws -> String {
        guard !FileManager.default.fileExists(atPath: argument), !argument.isEmpty,
              !argument.contains("/"), !argument.contains(".") else { return argument }
        guard let registryPath else {
            throw SupermaskError(file: argument, "no such file, and no zoo registry (models/zoo.json) to look the name up in")
        }
        let registry = try ZooRegistry.load(path: registryPath)
        guard let entry = registry.entry(named: argument) else {
            throw SupermaskError(file: argument, "no such file, and no model of that name in the zoo (supermask zoo lists them)")
        }
        switch entry.kind {
        case .baseline:
            throw SupermaskError(file: argument, "a dense baseline's configuration; the authors released no checkpoint for it")
        case .bundled:
            let path = registry.directory.appendingPathComponent(entry.path ?? "").path
            guard FileManager.default.fileExists(atPath: path) else {
                throw SupermaskError(file: argument, "the bundled model \(path.escapedForDisplay()) is missing from this installation")
            }
            return path
        case .release:
            return try converted(entry, directory: downloadDirectory)
        }
    }

    /// The converted `.h5` a fetch recorded for the release `entry`, if it is still the file that was recorded.
    private static func converted(_ entry: ZooEntry, directory: URL) throws -> String {
        let release = directory.appendingPathComponent(entry.file ?? entry.name).path
        let fetch = "run `supermask fetch \(entry.name)`"
        guard let record = try FetchRecord.read(FetchRecord.path(for: release)) else {
            throw SupermaskError(file: entry.name, "not fetched into \(directory.path.escapedForDisplay()) yet: \(fetch)")
        }
        guard let structure = record.structure else {
            throw SupermaskError(file: entry.name, "fetched with --no-convert, so there is no .h5: \(fetch) to convert it")
        }
        let h5 = directory.appendingPathComponent(structure.h5).path
        guard HTTPDownload.fileSize(h5) == structure.h5Size else {
            throw SupermaskError(file: entry.name, "\(h5.escapedForDisplay()) is missing or not the file the fetch wrote: \(fetch) to convert it again")
        }
        return h5
    }
}
