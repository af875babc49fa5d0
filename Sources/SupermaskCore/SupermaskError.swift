/// An error a user can act on: the file it concerns (if any) and what is wrong with it, as one line.
///
/// Every failure that a user's input can reach is reported through this type, so the command line can print
/// `supermask: error: <file>: <problem>` and exit non-zero instead of trapping.
public struct SupermaskError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path of the file the problem is in, or `nil` when it concerns no file (a bad option, say).
    public var file: String?
    /// What is wrong, in words a user understands; one line, no trailing period.
    public var message: String

    public init(file: String? = nil, _ message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message` on one line: any control character that reached the path or the message (from a file name
    /// or a string inside the file) is escaped, so the error cannot break the line or drive the terminal.
    public var description: String {
        let line = file.map { "\($0): \(message)" } ?? message
        return line.withControlCharactersEscaped
    }

    /// The same error, attributed to `file` unless it already names one.
    public func inFile(_ file: String) -> SupermaskError {
        self.file == nil ? SupermaskError(file: file, message) : self
    }
}
