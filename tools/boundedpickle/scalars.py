"""The opcodes that push a value decoded from their argument: ints, floats, strings, bytes."""

import codecs
import struct

from .errors import PickleError, shown

_MAX_FLOAT_TEXT = 64


class ScalarOpcodes:
    """A mixin of `PickleMachine`: reads arguments from `self._data` at `self._pos` and pushes scalars
    with `self._push`, within `self.limits`."""

    # --- reading arguments -------------------------------------------------------------------

    def _read(self, count: int) -> bytes:
        pos, data = self._pos, self._data
        if count > len(data) - pos:
            raise PickleError(f"truncated pickle (an argument of {count} bytes at byte {pos} runs past the end)")
        self._pos = pos + count
        return data[pos:pos + count]

    def _unpack(self, fmt: str, size: int):
        return struct.unpack(fmt, self._read(size))[0]

    def _readline(self) -> bytes:
        pos, data = self._pos, self._data
        end = data.find(b"\n", pos)
        if end < 0:
            raise PickleError(f"truncated pickle (a text argument at byte {pos} has no newline)")
        self._pos = end + 1
        return data[pos:end]

    def _text_int(self, line: bytes) -> int:
        if len(line) > self.limits.int_bytes * 5 // 2 + 2:
            raise PickleError(f"an integer literal of {len(line)} characters (at most {self.limits.int_bytes} bytes)")
        try:
            return int(line)
        except ValueError:
            raise PickleError(f"corrupt pickle (integer literal {shown(line)})") from None

    def _binary_int(self, payload: bytes) -> int:
        return int.from_bytes(payload, "little", signed=True)

    def _decode(self, raw: bytes, encoding: str, errors: str = "strict") -> str:
        try:
            return raw.decode(encoding, errors)
        except UnicodeDecodeError as exc:
            raise PickleError(f"corrupt pickle (a string that is not {encoding}: {exc.reason})") from None

    # --- opcodes: scalars ---------------------------------------------------------------------

    def _op_NONE(self):
        self._push(None)

    def _op_NEWTRUE(self):
        self._push(True)

    def _op_NEWFALSE(self):
        self._push(False)

    def _op_INT(self):
        line = self._readline()
        if line == b"00":
            self._push(False)
        elif line == b"01":
            self._push(True)
        else:
            self._push(self._text_int(line))

    def _op_LONG(self):
        line = self._readline()
        self._push(self._text_int(line[:-1] if line.endswith(b"L") else line))

    def _op_BININT(self):
        self._push(self._unpack("<i", 4))

    def _op_BININT1(self):
        self._push(self._read(1)[0])

    def _op_BININT2(self):
        self._push(self._unpack("<H", 2))

    def _long(self, length: int):
        if length < 0:
            raise PickleError("corrupt pickle (negative LONG4 length)")
        if length > self.limits.int_bytes:
            raise PickleError(f"an integer of {length} bytes (at most {self.limits.int_bytes})")
        self._push(self._binary_int(self._read(length)))

    def _op_LONG1(self):
        self._long(self._read(1)[0])

    def _op_LONG4(self):
        self._long(self._unpack("<i", 4))

    def _op_FLOAT(self):
        line = self._readline()
        if len(line) > _MAX_FLOAT_TEXT:
            raise PickleError(f"a float literal of {len(line)} characters")
        try:
            self._push(float(line))
        except ValueError:
            raise PickleError(f"corrupt pickle (float literal {shown(line)})") from None

    def _op_BINFLOAT(self):
        self._push(self._unpack(">d", 8))

    def _op_STRING(self):
        line = self._readline()
        if len(line) < 2 or line[0] != line[-1] or line[:1] not in (b"'", b'"'):
            raise PickleError("corrupt pickle (STRING argument without matching quotes)")
        try:
            raw = codecs.escape_decode(line[1:-1])[0]
        except ValueError as exc:
            raise PickleError(f"corrupt pickle (STRING escape: {exc})") from None
        self._push(self._decode(raw, "utf-8"))

    def _op_BINSTRING(self):
        length = self._unpack("<i", 4)
        if length < 0:
            raise PickleError("corrupt pickle (negative BINSTRING length)")
        self._push(self._decode(self._read(length), "utf-8"))

    def _op_SHORT_BINSTRING(self):
        self._push(self._decode(self._read(self._read(1)[0]), "utf-8"))

    def _op_UNICODE(self):
        self._push(self._decode(self._readline(), "raw-unicode-escape"))

    def _op_BINUNICODE(self):
        self._push(self._decode(self._read(self._unpack("<I", 4)), "utf-8", "surrogatepass"))

    def _op_SHORT_BINUNICODE(self):
        self._push(self._decode(self._read(self._read(1)[0]), "utf-8", "surrogatepass"))

    def _op_BINUNICODE8(self):
        self._push(self._decode(self._read(self._unpack("<Q", 8)), "utf-8", "surrogatepass"))

    def _op_BINBYTES(self):
        self._push(self._read(self._unpack("<I", 4)))

    def _op_SHORT_BINBYTES(self):
        self._push(self._read(self._read(1)[0]))

    def _op_BINBYTES8(self):
        self._push(self._read(self._unpack("<Q", 8)))

    def _op_BYTEARRAY8(self):
        self._push(bytearray(self._read(self._unpack("<Q", 8))))
