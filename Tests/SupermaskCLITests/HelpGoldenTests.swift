import Foundation
import SupermaskTestSupport
import Testing

/// What users read first, pinned: a change to a help screen shows up as a diff of the files in Golden/.
@Suite struct HelpGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test(arguments: [
        (["--help"], "supermask--help.txt"), (["inspect", "--help"], "inspect--help.txt"),
        (["recover-seed", "--help"], "recover-seed--help.txt"),
    ])
    func helpMatchesTheGoldenText(arguments: [String], file: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 0)
        let expected = try String(contentsOf: Self.golden.appendingPathComponent(file), encoding: .utf8)
        #expect(result.standardOutput == expected)
    }

    /// A mistyped subcommand is a usage error (64) naming the nearest command, or listing them all.
    @Test func mistypedSubcommandsGetASuggestion() throws {
        let near = try CommandRunner.run("inspct", "model.h5")
        #expect(near.status == 64)
        #expect(near.standardError == "supermask: error: unknown command 'inspct'; did you mean 'inspect'?\n")
        #expect(try CommandRunner.run("evl").standardError == "supermask: error: unknown command 'evl'; did you mean 'eval'?\n")
        let far = try CommandRunner.run("model.h5")
        #expect(far.status == 64)
        #expect(far.standardError == "supermask: error: unknown command 'model.h5'; the commands are inspect, infer, export, convert, recover-seed, init, size, bench, preprocess, eval, merge, zoo, fetch, demo\n")
        let escaped = try CommandRunner.run("\u{1B}[2J")
        #expect(escaped.standardError == "supermask: error: unknown command '\\x1b[2J'; the commands are inspect, infer, export, convert, recover-seed, init, size, bench, preprocess, eval, merge, zoo, fetch, demo\n")
    }
}
