import Foundation
import SupermaskCore
import SupermaskZoo

/// Where `supermask demo` finds its bundle when `--bundle` is not given.
enum DemoBundleLocation {
    /// The bundle's place inside a clone of the repository.
    static let relativePath = "models/mnist"

    /// `explicit` when given; else `models/mnist` under the current directory; else the one of the clone the
    /// executable was built in (found as the zoo finds its registry), so the demo runs from anywhere.
    static func resolve(explicit: String?) throws -> URL {
        if let explicit {
            guard isDirectory(explicit) else { throw SupermaskError(file: explicit, "no such directory") }
            return URL(fileURLWithPath: explicit)
        }
        let candidates = ZooLocations.places(of: relativePath).map { URL(fileURLWithPath: $0).standardizedFileURL }
        if let found = candidates.first(where: { isDirectory($0.path) }) { return found }
        var looked: [String] = []
        for path in candidates.map(\.path) where !looked.contains(path) { looked.append(path) }
        throw SupermaskError("no demo bundle: looked in \(looked.joined(separator: ", ")); run from the repository root or pass --bundle DIR")
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
