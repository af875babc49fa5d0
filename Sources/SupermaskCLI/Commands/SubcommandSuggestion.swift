import ArgumentParser
import SupermaskCore

/// A mistyped subcommand gets a suggestion instead of the parser's "2 unexpected arguments".
enum SubcommandSuggestion {
    /// The usage error for `arguments` (the command line after `supermask`) when its first word should be a
    /// subcommand and is none, or `nil`: "unknown command 'inspct'; did you mean 'inspect'?" for a name within
    /// two edits of one, else the list of commands. `commands` are the visible subcommands' names; `hidden` are
    /// accepted but never suggested.
    static func error(for arguments: [String], commands: [String], hidden: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help",
              !commands.contains(first), !hidden.contains(first) else { return nil }
        let shown = "'\(first.escapedForDisplay(limit: 40))'"
        let ranked = commands.map { (name: $0, distance: editDistance(first, $0)) }.min { $0.distance < $1.distance }
        if let ranked, ranked.distance <= 2 {
            return "unknown command \(shown); did you mean '\(ranked.name)'?"
        }
        return "unknown command \(shown); the commands are \(commands.joined(separator: ", "))"
    }

    /// Levenshtein distance over Unicode scalars (insertions, deletions and substitutions each cost 1); `a` is
    /// cut to 64 scalars so that a huge argument costs no more than a long one (it is far from every name anyway).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars.prefix(64)), b = Array(b.unicodeScalars)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
