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

    /// `models/zoo.json` of the current directory, else of the repository the executable was built in.
    public static func defaultRegistry() -> String? {
        firstExisting("models/zoo.json")
    }

    /// The converter `pth2h5.py`: in `$SUPERMASK_TOOLS` if set, else in the repository the executable was built
    /// in, else in `tools/` of the current directory.
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
    /// current directory), then under each directory that may be the repository the executable was built in.
    public static func places(of relative: String) -> [String] {
        [relative] + repositoryCandidates().map { $0.appendingPathComponent(relative).path }
    }

    /// Directories that may be the repository the running executable was built in. SwiftPM puts it in
    /// `<repo>/.build/release/` — a symbolic link to `<repo>/.build/<triple>/release/` — so the invoked path is
    /// two levels below the repository and the resolved one three.
    static func repositoryCandidates() -> [URL] {
        var executables: [URL] = []
        if let invoked = CommandLine.arguments.first, invoked.contains("/") {
            executables.append(URL(fileURLWithPath: invoked))
        }
        if let resolved = Bundle.main.executableURL { executables.append(resolved.resolvingSymlinksInPath()) }
        return executables.flatMap { executable -> [URL] in
            let directory = executable.deletingLastPathComponent()
            return [directory.appendingPathComponent("../..").standardized, directory.appendingPathComponent("../../..").standardized]
        }
    }
}
