"""A bounds-checked little-endian reader over the bytes of a container.

Every length read from the file is compared with the bytes that are left before it is used, so a damaged or
crafted file can make a read fail with a `ContainerError`, never read past the end or allocate more than the
file holds.
"""
import struct

from .errors import ContainerError


class ByteReader:
    """Reads integers, floats, strings and length-prefixed blocks from `data[start:end]`."""

    def __init__(self, data, start=0, end=None):
        self._data = data
        self.position = start
        self.end = len(data) if end is None else end

    @property
    def remaining(self):
        return self.end - self.position

    def take(self, count, what):
        if count < 0 or count > self.remaining:
            raise ContainerError(f"{what} needs {count} bytes but only {self.remaining} remain")
        start = self.position
        self.position += count
        return self._data[start:self.position]

    def _unpack(self, fmt, size, what):
        return struct.unpack(fmt, self.take(size, what))[0]

    def u8(self, what):
        return self._unpack("<B", 1, what)

    def u16(self, what):
        return self._unpack("<H", 2, what)

    def u32(self, what):
        return self._unpack("<I", 4, what)

    def u64(self, what):
        return self._unpack("<Q", 8, what)

    def i64(self, what):
        return self._unpack("<q", 8, what)

    def f32(self, what):
        return self._unpack("<f", 4, what)

    def f64(self, what):
        return self._unpack("<d", 8, what)

    def block(self, what):
        length = self.u64(f"the length of {what}")
        if length > self.remaining:
            raise ContainerError(f"{what} claims {length} bytes but only {self.remaining} remain")
        return self.take(length, what)

    def string(self, what):
        length = self.u32(f"the length of {what}")
        raw = self.take(length, what)
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise ContainerError(f"{what} is not valid UTF-8") from None

    def expect_end(self, what):
        if self.remaining:
            raise ContainerError(f"{self.remaining} unexpected bytes after {what}")
