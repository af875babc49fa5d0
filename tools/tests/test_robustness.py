"""Bad input: malicious pickles run nothing; damaged files give one line on stderr, exit 1, no output."""

import random

import pytest

from helpers import FIXTURES, assert_one_line_error, expected, run_cli
from pth2h5 import ConversionError, convert, main

MALICIOUS = sorted(expected()["malicious"].items())
CHECKPOINT_FILES = ["tiny.legacy.pth", "tiny.zip.pth"]


def main_result(capsys, *args):
    """Run main() in-process: (exit status, stderr). Any exception escaping main fails the test; stdout
    is empty unless the conversion succeeded, when it is the one line saying what was written."""
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    assert captured.out == "" if status else captured.out.startswith("pth2h5: wrote ")
    return status, captured.err


@pytest.mark.parametrize("name, refused_global", MALICIOUS)
def test_malicious_pickles_are_refused_and_run_nothing(tmp_path, name, refused_global):
    source = FIXTURES / "malicious" / name
    result = run_cli(source, "out.h5", cwd=tmp_path)  # each payload would create pwned-* in cwd
    assert result.returncode == 1 and result.stdout == ""
    assert_one_line_error(result.stderr, source, f"refusing pickle global {refused_global} (not on the allow-list")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, refused_global", MALICIOUS)
def test_malicious_pickles_are_refused_in_process(tmp_path, monkeypatch, name, refused_global):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConversionError, match=f"refusing pickle global {refused_global} "):
        convert(FIXTURES / "malicious" / name, "out.h5")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", CHECKPOINT_FILES)
def test_truncated_files_give_one_line_errors(tmp_path, capsys, name):
    data = (FIXTURES / name).read_bytes()
    cuts = sorted({1, 2, 14, 15, 100, *range(0, len(data), 61), len(data) // 2, len(data) - 9, len(data) - 1})
    for cut in cuts:
        source = tmp_path / f"cut-{cut}.pth"
        source.write_bytes(data[:cut])
        status, err = main_result(capsys, source, tmp_path / "out.h5")
        assert status == 1, cut
        assert_one_line_error(err, source, "")
    assert not (tmp_path / "out.h5").exists()


def test_truncated_file_error_from_the_command_line(tmp_path):
    source = tmp_path / "cut.pth"
    source.write_bytes((FIXTURES / "tiny.legacy.pth").read_bytes()[:-1])
    result = run_cli(source, tmp_path / "out.h5")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, source, "truncated storage data")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("prefix", [b"", b"PK\x03\x04", (FIXTURES / "tiny.legacy.pth").read_bytes()[:15]])
def test_random_garbage_gives_one_line_errors(tmp_path, capsys, prefix):
    rng = random.Random(20191129)
    for trial in range(40):
        source = tmp_path / f"garbage-{trial}.pth"
        source.write_bytes(prefix + rng.randbytes(rng.randrange(1, 4096)))
        status, err = main_result(capsys, source, tmp_path / "out.h5")
        assert status == 1, trial
        assert_one_line_error(err, source, "")


@pytest.mark.parametrize("name", CHECKPOINT_FILES)
def test_corrupted_bytes_convert_or_give_one_line_errors(tmp_path, capsys, name):
    data = (FIXTURES / name).read_bytes()
    rng = random.Random(name)
    for trial in range(150):
        damaged = bytearray(data)
        for _ in range(rng.choice([1, 1, 4])):
            damaged[rng.randrange(len(data))] = rng.randrange(256)
        source = tmp_path / "damaged.pth"
        source.write_bytes(bytes(damaged))
        status, err = main_result(capsys, source, tmp_path / "out.h5")
        assert status in (0, 1), trial
        if status == 1:
            assert_one_line_error(err, source, "")


def test_empty_file(tmp_path):
    source = tmp_path / "empty.pth"
    source.write_bytes(b"")
    result = run_cli(source, tmp_path / "out.h5")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, source, "file is empty")


@pytest.mark.parametrize("make_source, problem", [
    (lambda tmp_path: tmp_path / "absent.pth", "No such file or directory"),
    (lambda tmp_path: tmp_path, "Is a directory"),
])
def test_unreadable_input(tmp_path, capsys, make_source, problem):
    source = make_source(tmp_path)
    status, err = main_result(capsys, source, tmp_path / "out.h5")
    assert status == 1
    assert_one_line_error(err, source, problem)


def test_unwritable_output_names_the_output(tmp_path, capsys):
    out = tmp_path / "missing-directory" / "out.h5"
    status, err = main_result(capsys, FIXTURES / "tiny.zip.pth", out)
    assert status == 1
    assert_one_line_error(err, out, "No such file or directory")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [[], ["only-one.pth"], ["a.pth", "b.h5", "--keep", "half"], ["a", "b", "--bogus"]])
def test_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: pth2h5 ") and "pth2h5: error: " in result.stderr
