import Foundation

/// Where the zoo's files are found when the command line does not say: the registry, the download directory and
/// the converter script.
public enum ZooLocations {
    /// The per-user download directory: `$XDG_CACHE_HOME/supermask/zoo`, else `~/.cache/supermask/zoo` (the kernel
    /// choice cache's convention).
    public static var defaultDownloadDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("supermask").appendingPathComponent("zoo")
    }

    /// `models/zoo.json` of the current directory, else of the repository the executable was built in, else of
    /// the installation's share directory.
    public static func defaultRegistry() -> String? {
        firstExisting("models/zoo.json")
    }

    /// The converter `pth2h5.py`: in `$SUPERMASK_TOOLS` if set, else in the repository the executable was built
    /// in or the installation's share directory, else in `tools/` of the current directory.
    public static func converterScript() -> String? {
        if let tools = ProcessInfo.processInfo.environment["SUPERMASK_TOOLS"], !tools.isEmpty {
            let script = URL(fileURLWithPath: tools).appendingPathComponent("pth2h5.py").path
            return FileManager.default.fileExists(atPath: script) ? script : nil
        }
        let relative = "tools/pth2h5.py"
        return repositoryCandidates().lazy.map { $0.appendingPathComponent(relative).path }
            .first { FileManager.default.fileExists(atPath: $0) }
            ?? (FileManager.default.fileExists(atPath: relative) ? relative : nil)
    }

    /// `relative` under the current directory, else under the repository the executable was built in.
    static func firstExisting(_ relative: String) -> String? {
        places(of: relative).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Where a repository file such as `models/mnist` may be, in the order to try: `relative` itself (under the
    /// current directory), then under each directory that may be the repository the executable was built in or
    /// the share directory it was installed with.
    public static func places(of relative: String) -> [String] {
        [relative] + repositoryCandidates().map { $0.appendingPathComponent(relative).path }
    }

    /// The share directory of an installation, relative to the executable's directory: `tools/install.sh` puts
    /// the executable in `PREFIX/bin` and the registry, the demo bundle and the converter in
    /// `PREFIX/share/supermask` with the repository's layout (`models/zoo.json`, `models/mnist`, `tools/`), so
    /// the installed tree can be moved anywhere.
    static let shareDirectory = "../share/supermask"

    /// Directories that may hold the repository's files for the running executable: the repository it was built
    /// in, or its installation's share directory. SwiftPM puts the executable in `<repo>/.build/release/` — a
    /// symbolic link to `<repo>/.build/<triple>/release/` — so the invoked path is two levels below the
    /// repository and the resolved one three; an installed one is in `PREFIX/bin`.
    static func repositoryCandidates() -> [URL] {
        var executables: [URL] = []
        if let invoked = CommandLine.arguments.first, invoked.contains("/") {
            executables.append(URL(fileURLWithPath: invoked))
        }
        if let resolved = Bundle.main.executableURL { executables.append(resolved.resolvingSymlinksInPath()) }
        return executables.flatMap { executable -> [URL] in
            let directory = executable.deletingLastPathComponent()
            return [
                directory.appendingPathComponent("../..").standardized, directory.appendingPathComponent("../../..").standardized,
                directory.appendingPathComponent(shareDirectory).standardized,
            ]
        }
    }
}
