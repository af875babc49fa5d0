import SupermaskCore

/// Registry names, URLs, server headers and paths built from them, as they appear in the zoo's messages and
/// listings: escaped by `escapedForDisplay`, so a newline or a terminal escape in a registry entry or a server's
/// answer cannot break a line or drive the terminal.
extension String {
    /// A path in a message: escaped, and cut only when it is absurdly long (a path is the user's to read in full).
    var escapedPath: String { escapedForDisplay(limit: 1024) }
}
