import Testing
@testable import SupermaskCore

@Suite struct DisplayEscapingTests {
    @Test func controlCharactersAndSeparatorsAreEscaped() {
        #expect("layer\n1".escapedForDisplay() == "layer\\n1")
        #expect("\u{1B}[2Jx\t\r".escapedForDisplay() == "\\x1b[2Jx\\t\\r")
        #expect("a\u{7F}b\u{85}c".escapedForDisplay() == "a\\x7fb\\x85c")
        #expect("x\u{2028}y\u{202E}z".escapedForDisplay() == "x\\u{2028}y\\u{202e}z")
        #expect("résumé ±√".escapedForDisplay() == "résumé ±√")
    }

    @Test func backslashesAreDoubledSoThatAnEscapeCannotBeForged() {
        #expect("a\\nb".escapedForDisplay() == "a\\\\nb")
        #expect("a\\nb".withControlCharactersEscaped == "a\\nb")
    }

    @Test func longStringsAreCutWithAnEllipsis() {
        let long = String(repeating: "a", count: 500)
        #expect(long.escapedForDisplay(limit: 10) == "aaaaaaaaaa…")
        #expect(long.escapedForDisplay().count == String.displayLengthLimit + 1)
        #expect("short".escapedForDisplay(limit: 5) == "short")
    }

    @Test func anErrorIsOneLineWhateverItsFileAndMessageHold() {
        let error = SupermaskError(file: "evil\nname.h5", "unknown architecture 'x\u{1B}]0;pwned\u{07}'")
        #expect(error.description == "evil\\nname.h5: unknown architecture 'x\\x1b]0;pwned\\x07'")
        #expect(!error.description.contains("\n"))
    }
}
