"""The one exception a damaged or unsupported container raises, and the escaping of strings taken from files."""

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped_char(char):
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if code in (0x2028, 0x2029) or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"\\u{{{code:04x}}}"
    return char


def escaped(text, limit=200):
    """`text` as it may appear in one line of output, the same rule as the Swift reader's `escapedForDisplay`:
    backslashes doubled, control characters, line separators and bidirectional overrides escaped, cut after
    `limit` characters with an ellipsis."""
    out = []
    for count, char in enumerate(text):
        if count >= limit:
            out.append("…")
            break
        out.append("\\\\" if char == "\\" else _escaped_char(char))
    return "".join(out)


class ContainerError(ValueError):
    """A `.smask` file that cannot be read: one line saying where and what, naming the file once it is known."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.message = message
        self.path = path

    def in_file(self, path):
        """The same error, attributed to `path` unless it already names a file."""
        return self if self.path is not None else ContainerError(self.message, path)

    def __str__(self):
        line = f"{self.path}: {self.message}" if self.path is not None else self.message
        return "".join(_escaped_char(char) for char in line)
