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
}
