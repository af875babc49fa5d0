import Foundation
import SupermaskCore

/// Directory listings in the order Python sorts strings (by code point, which UTF-8 byte order preserves),
/// so class indices and sample order agree with torchvision.
enum DirectoryListing {
    /// The extensions torchvision's ImageFolder accepts (IMG_EXTENSIONS), compared case-insensitively.
    static let imageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"]

    /// Python's `sorted()` order for strings.
    static func pythonOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Whether torchvision would take `name` for an image.
    static func hasImageExtension(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return imageExtensions.contains { lowered.hasSuffix($0) }
    }

    /// The names in `directory`, sorted; throws a one-line error if it cannot be listed.
    static func entries(of directory: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).sorted(by: pythonOrder)
        } catch {
            throw SupermaskError(file: directory, "cannot list the folder")
        }
    }

    /// Whether `path` is a directory (following symbolic links, as `os.walk(followlinks=True)` does).
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Every image file below `directory`, in the order of torchvision's make_dataset:
    /// `for root, _, names in sorted(os.walk(directory)): for name in sorted(names)`.
    static func imagesRecursively(in directory: String) throws -> [String] {
        var folders: [(path: String, files: [String])] = []
        var pending = [directory]
        while let folder = pending.popLast() {
            var files: [String] = []
            for name in try entries(of: folder) {
                let path = folder + "/" + name
                if isDirectory(path) {
                    pending.append(path)
                } else if hasImageExtension(name) {
                    files.append(path)
                }
            }
            folders.append((folder, files))
        }
        return folders.sorted { pythonOrder($0.path, $1.path) }.flatMap(\.files)
    }
}
