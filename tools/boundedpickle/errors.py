"""What the bounded pickle machine raises, and how it quotes the pickle's own values in messages."""


class PickleError(Exception):
    """The pickle is malformed, exceeds a limit, or asks for something the machine refuses."""


class ForbiddenGlobal(PickleError):
    """The pickle names a global its reader does not allow; nothing was imported or called."""


def escaped(text: str, limit: int = 60) -> str:
    """`text` for one line of output: control characters escaped as by repr (\\n, \\x1b, \\u2028),
    no quotes, cut after `limit` characters with "..."."""
    inner = repr(text[:limit])[1:-1]
    return inner + "..." if len(text) > limit else inner


def shown(value, limit: int = 60) -> str:
    """`value` for an error message: str and bytes repr-escaped (control characters as \\n, \\x1b)
    and cut to `limit` characters, ints and floats as numbers, anything else by its type's name."""
    if isinstance(value, (str, bytes)):
        return repr(value[:limit]) + ("..." if len(value) > limit else "")
    if isinstance(value, (bool, float)) or value is None:
        return repr(value)
    if isinstance(value, int):
        digits = f"{value:x}"  # hex: linear in the size, unlike str() of a huge int
        return str(value) if len(digits) <= 12 else f"an integer of {len(digits) * 4} bits"
    return f"a {type(value).__name__}"
