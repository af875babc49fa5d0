"""Shared paths, expectations and checks for the pth2h5 tests."""

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import h5py
import numpy as np

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
PTH2H5 = TESTS.parent / "pth2h5.py"
CHECKPOINTS = ["tiny.legacy.pth", "tiny.zip.pth", "state-dict.zip.pth", "model-key.legacy.pth"]


@cache
def expected() -> dict:
    """expected.json, written by tools/make_converter_fixtures.py."""
    return json.loads((FIXTURES / "expected.json").read_text())


@cache
def expected_arrays() -> dict:
    """expected.npz: every fixture tensor as torch gave it, keyed by dataset name."""
    with np.load(FIXTURES / "expected.npz") as npz:
        return {name: npz[name] for name in npz.files}


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """Run `python3 tools/pth2h5.py ARGS` in a fresh interpreter."""
    return subprocess.run([sys.executable, str(PTH2H5), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def text(value):
    """An attribute as Python sees it, with fixed-length strings (bytes in h5py) decoded as UTF-8."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_h5(path) -> tuple[dict, list]:
    """(root attributes, [(dataset name, data, torch_dtype attribute)] in stored order)."""
    with h5py.File(path, "r") as h5:
        datasets = [(name, dataset[()], text(dataset.attrs["torch_dtype"]))
                    for name, dataset in h5["state_dict"].items()]
        return {name: text(value) for name, value in h5.attrs.items()}, datasets


def assert_one_line_error(stderr: str, path, fragment: str):
    """stderr is exactly `pth2h5: error: <path>: ...fragment...` on one line."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"pth2h5: error: {path}: "), lines[0]
    assert fragment in lines[0], lines[0]
