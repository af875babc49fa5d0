/// Showing strings that came from a file on a terminal line.
///
/// A layer name, an `arch` attribute, a registry entry or a file name inside a downloaded dataset is chosen by
/// whoever made the file. Printed raw, a newline splits a one-line error in two and an escape sequence (`\u{1B}[2J`)
/// drives the user's terminal. Every such string goes through `escapedForDisplay` before it is printed.
extension String {
    /// The longest escaped string `escapedForDisplay` returns by default, in characters, before the ellipsis.
    public static let displayLengthLimit = 200

    /// This string as it may appear inside one line of output: backslashes doubled; tab, newline and carriage
    /// return as `\t`, `\n`, `\r`; other control characters (C0, DEL, C1), line and paragraph separators and the
    /// bidirectional overrides as `\xHH` or `\u{HHHH}`; cut after `limit` characters with an ellipsis (`…`).
    public func escapedForDisplay(limit: Int = String.displayLengthLimit) -> String {
        var result = ""
        var shown = 0
        for scalar in unicodeScalars {
            if shown >= limit {
                result += "…"
                break
            }
            result += scalar == "\\" ? "\\\\" : Self.escapedIfUnsafe(scalar)
            shown += 1
        }
        return result
    }

    /// This string with every character that could break a line or drive a terminal escaped as by
    /// `escapedForDisplay`, backslashes left as they are: the last line of defence for a whole message.
    public var withControlCharactersEscaped: String {
        var result = ""
        for scalar in unicodeScalars { result += Self.escapedIfUnsafe(scalar) }
        return result
    }

    private static func escapedIfUnsafe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\t": return "\\t"
        case "\n": return "\\n"
        case "\r": return "\\r"
        default: break
        }
        let value = scalar.value
        let isControl = value < 0x20 || (0x7F...0x9F).contains(value)
        let isLineBreakOrOverride = value == 0x2028 || value == 0x2029 || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
        if isControl { return "\\x" + hexDigits(value, width: 2) }
        if isLineBreakOrOverride { return "\\u{" + hexDigits(value, width: 4) + "}" }
        return String(scalar)
    }

    private static func hexDigits(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}
