"""Damaged and crafted containers: every one is a ContainerError with one line naming the file, nothing else."""
import os
import struct
import zlib

import pytest
from conftest import FIXTURES

import supermask
from supermask.errors import escaped

SMALL = FIXTURES / "fc-usc-k05-signed.smask"


def refusal(path):
    with pytest.raises(supermask.ContainerError) as caught:
        supermask.read(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(str(path) + ": ")
    return line


def test_every_flipped_byte_and_every_truncation_is_one_line(tmp_path):
    data = SMALL.read_bytes()
    path = tmp_path / "damaged.smask"
    for index in range(len(data)):
        path.write_bytes(data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1:])
        refusal(path)
    for length in range(len(data)):
        path.write_bytes(data[:length])
        refusal(path)


def with_header(sections, payloads):
    """A container of `sections` (kind, payload) with correct lengths and CRCs, so only its content is wrong."""
    body = b""
    for index, (kind, payload) in enumerate(zip(sections, payloads)):
        head = kind + struct.pack("<IQ", index, len(payload))
        body += head + payload + struct.pack("<I", zlib.crc32(head + payload))
    header = b"\x89SMASK\r\n" + struct.pack("<HHIQ", 1, 0, len(sections), 28 + len(body))
    return header + struct.pack("<I", zlib.crc32(header)) + body


def string(text):
    raw = text.encode()
    return struct.pack("<I", len(raw)) + raw


def architecture(layers, count):
    return string("X") + struct.pack("<I3IBII", 3, 1, 4, 4, 0, 0, 10) + struct.pack("<I", count) + layers


def test_a_crafted_container_with_valid_crcs_is_refused_by_its_content(tmp_path):
    conv = bytes([1]) + string("a") + struct.pack("<5I", 1, 1, 1, 1, 0)
    cases = {
        "duplicate names": architecture(conv + conv, 2),
        "nesting": architecture((bytes([8]) + struct.pack("<I", 1)) * 12 + struct.pack("<I", 0) * 13, 1),
        "layer count": architecture(b"", 10**6),
        "dimension": architecture(bytes([1]) + string("a") + struct.pack("<5I", 1, 1 << 21, 1, 1, 0), 1),
    }
    expected = {"duplicate names": "used twice", "nesting": "nest deeper", "layer count": "exceeds",
                "dimension": "outside"}
    for name, payload in cases.items():
        path = tmp_path / f"{name}.smask"
        path.write_bytes(with_header([b"ARCH", b"META", b"END!"], [payload, b"", b""]))
        assert expected[name] in refusal(path), name


def test_a_cut_torch_record_is_refused_naming_the_field(tmp_path):
    # Generator flag 2 announces a torch record (docs/format.md §3); here it ends before the profile's length.
    conv = bytes([1]) + string("a") + struct.pack("<5I", 1, 1, 1, 1, 0)
    metadata = bytes([0]) + struct.pack("<d", 0) + bytes([2])
    path = tmp_path / "torch-seed.smask"
    path.write_bytes(with_header([b"ARCH", b"META", b"CONV", b"END!"], [architecture(conv, 1), metadata, b"", b""]))
    assert refusal(path).endswith("section 1 (metadata): the length of the torch profile needs 4 bytes but only 0 remain")


def test_strings_from_the_file_are_escaped_in_the_message(tmp_path):
    evil = "x\n\x1b[2J"
    conv = bytes([1]) + string(evil) + struct.pack("<5I", 1, 1, 1, 1, 0)
    payload = architecture(conv + conv, 2)
    path = tmp_path / "evil.smask"
    path.write_bytes(with_header([b"ARCH", b"META", b"END!"], [payload, b"", b""]))
    line = refusal(path)
    assert "\\n\\x1b[2J" in line and "\x1b" not in line


def test_files_that_are_not_containers(tmp_path):
    text = tmp_path / "notes.smask"
    text.write_text("hello")
    assert "wrong magic" in refusal(text)
    with pytest.raises(supermask.ContainerError, match="No such file"):
        supermask.read(tmp_path / "missing.smask")
    fifo = tmp_path / "fifo.smask"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo):
        with pytest.raises(supermask.ContainerError, match="not a regular file"):
            supermask.read(path)


def test_escaping_matches_the_swift_rule():
    assert escaped("a\\b\n\x7f\u2028") == "a\\\\b\\n\\x7f\\u{2028}"
    assert escaped("z" * 300, limit=3) == "zzz…"
