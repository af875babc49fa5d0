"""Bad input: malicious pickles run nothing; damaged files give one line on stderr, exit 1, no output."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, PTH2H5, assert_one_line_error, expected, run_cli
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


def test_success_says_what_was_written_and_warns_without_keep(tmp_path):
    out = tmp_path / "out.h5"
    result = run_cli(FIXTURES / "tiny.zip.pth", out)
    assert result.returncode == 0
    assert result.stdout == f"pth2h5: wrote {out}: arch TinyNet, 22 tensors, {out.stat().st_size} bytes\n"
    assert result.stderr == (f"pth2h5: warning: {out}: no keep fraction stored (pass --keep F); "
                             "supermask will need --keep to compute the masks\n")
    with_keep = run_cli(FIXTURES / "tiny.zip.pth", out, "--keep", "0.3")
    assert with_keep.returncode == 0 and with_keep.stderr == ""


def test_the_tensor_budget_can_be_lowered_and_raised(tmp_path, capsys):
    source = FIXTURES / "tiny.zip.pth"
    status, err = main_result(capsys, source, tmp_path / "out.h5", "--keep", "0.5", "--max-tensor-bytes", "1KiB")
    assert status == 1
    assert_one_line_error(err, source, "tensors hold more than 1024 bytes (raise the limit with --max-tensor-bytes)")
    assert main_result(capsys, source, tmp_path / "out.h5", "--keep", "0.5", "--max-tensor-bytes", "8GiB")[0] == 0


@pytest.mark.parametrize("value", ["0", "-1", "1x", "1e9", "9" * 30])
def test_byte_counts_are_checked(value):
    result = run_cli("a.pth", "b.h5", "--max-tensor-bytes", value)
    assert result.returncode == 2 and "not a positive byte count" in result.stderr


@pytest.mark.parametrize("raised, status, problem", [
    (KeyboardInterrupt(), 130, "interrupted"),
    (MemoryError(), 1, "out of memory"),
    (RecursionError("maximum recursion depth exceeded"), 1,
     "internal error (RecursionError: maximum recursion depth exceeded); please report it"),
    (ValueError("Unable to synchronously create dataset (name already exists)"), 1,
     "internal error (ValueError: Unable to synchronously create dataset (name already exists)); please report it"),
])
def test_every_exception_is_one_line(tmp_path, capsys, monkeypatch, raised, status, problem):
    def failing(*args):
        raise raised
    monkeypatch.setattr("pth2h5.write_h5", failing)
    source = FIXTURES / "tiny.zip.pth"
    got, err = main_result(capsys, source, tmp_path / "out.h5", "--keep", "0.5")
    assert got == status
    assert_one_line_error(err, source, problem)


def test_output_errors_from_hdf5_name_the_output(tmp_path, capsys, monkeypatch):
    def failing(*args, **kwargs):
        raise OSError("Unable to synchronously create file (unable to lock file)")
    monkeypatch.setattr("h5py.File", failing)
    out = tmp_path / "out.h5"
    status, err = main_result(capsys, FIXTURES / "tiny.zip.pth", out, "--keep", "0.5")
    assert status == 1
    assert_one_line_error(err, out, "Unable to synchronously create file (unable to lock file)")
    assert list(tmp_path.iterdir()) == []


def blocked_on_fifo(tmp_path):
    """A converter started on a FIFO no one writes, once it is blocked opening it (inside main)."""
    fifo = tmp_path / "input.pth"
    os.mkfifo(fifo)
    process = subprocess.Popen([sys.executable, str(PTH2H5), str(fifo), str(tmp_path / "out.h5")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    # The kernel shows a process blocked opening a FIFO as waiting in wait_for_partner (fifo_open before 4.x).
    while (Path(f"/proc/{process.pid}/wchan").read_text() not in ("wait_for_partner", "fifo_open")
           and time.monotonic() < deadline):
        time.sleep(0.05)
    return fifo, process


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signal_number, status, problem", [
    (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated"),
])
def test_signals_end_the_converter_with_one_line(tmp_path, signal_number, status, problem):
    fifo, process = blocked_on_fifo(tmp_path)
    process.send_signal(signal_number)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status and out == ""
    assert err == f"pth2h5: error: {fifo}: {problem}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["input.pth"]
