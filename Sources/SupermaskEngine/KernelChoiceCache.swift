import Foundation

/// Remembers which kernel won the timing for each layer signature on this machine, so that planning a model a
/// second time costs no measurements. A JSON object from key to choice (`"sparse/64"`), in one file.
///
/// Keys name the CPU model, the instruction set and everything that affects a layer's speed: shapes, stride,
/// padding, input size, nonzero count and whether the layer is ternary. Batch size and thread count are not
/// part of the key because every choice is timed on the unit all modes execute: one image on one worker.
public final class KernelChoiceCache: @unchecked Sendable {
    /// Where the choices live.
    public let url: URL
    private var entries: [String: String]
    private var changed = false
    private let lock = NSLock()

    /// The per-user cache: `$XDG_CACHE_HOME/supermask/kernel-choices.json` or `~/.cache/supermask/…`.
    public static var defaultURL: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("supermask").appendingPathComponent("kernel-choices.json")
    }

    /// Opens the cache at `url`; a missing or unreadable file is an empty cache (it is only an optimisation).
    public init(url: URL = KernelChoiceCache.defaultURL) {
        self.url = url
        let stored = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) }
        entries = stored ?? [:]
    }

    /// The stored choice for `key`, if any parses.
    func choice(for key: String) -> KernelChoice? {
        lock.withLock { entries[key].flatMap(KernelChoice.init) }
    }

    /// Records `choice` for `key` (written by `save`).
    func record(_ choice: KernelChoice, for key: String) {
        lock.withLock {
            entries[key] = choice.description
            changed = true
        }
    }

    /// Writes new entries back; failures are ignored because the cache only saves time.
    func save() {
        lock.withLock {
            guard changed else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let data = try? encoder.encode(entries) else { return }
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if (try? data.write(to: url, options: .atomic)) != nil { changed = false }
        }
    }
}
