"""supermask.generator against the Random123 known answers and the files `supermask init` wrote."""
import json
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
from conftest import SOURCE_ENV

from supermask import generator as gen

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "format")
TOOL = [sys.executable, "-m", "supermask.generator"]


@pytest.mark.parametrize("counter,key,expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_known_answers(counter, key, expected):
    assert tuple(int(w) for w in gen.philox4x32_10(*counter, *key)) == expected


def test_series_are_accurate():
    u = np.arange(1, 2**24, 4099, dtype=np.float64) / 2**24
    assert np.abs(gen.logarithm(u) - np.log(u)).max() < 1e-14
    assert np.abs(gen.cosine_of_turns(u) - np.cos(2 * np.pi * u)).max() < 1e-14


def _expected():
    with open(os.path.join(FIXTURES, "generator-expected.json")) as f:
        return json.load(f)


def test_every_layer_matches_supermask_init():
    expected = _expected()
    assert expected["generator"] == gen.IDENTIFIER
    assert len(expected["cases"]) == 6
    for case in expected["cases"]:
        weights = gen.weights(case["init"], case["seed"], case["layer"], tuple(case["shape"]))
        assert weights.dtype == np.float32
        assert zlib.crc32(weights.astype("<f4").tobytes()) == case["crc32"], case["name"]
        assert ["%08x" % v for v in weights.reshape(-1)[:8].view(np.uint32)] == case["first"]


@pytest.mark.parametrize("init,seed", [("kaiming-normal", 7), ("signed-constant", 123456789012)])
def test_command_line_dump_matches_the_committed_layer(tmp_path, init, seed):
    out = tmp_path / "w.npy"
    subprocess.run(TOOL + ["--seed", str(seed), "--layer", "2", "--init", init,
                    "--shape", "10", "100", "1", "1", "-o", str(out)], check=True, env=SOURCE_ENV)
    stored = np.load(os.path.join(FIXTURES, f"fc-{init}-seed{seed}-linear.4.npy"))
    assert np.array_equal(np.load(out).view(np.uint32), stored.view(np.uint32))


def test_signed_constant_magnitudes_match_the_reference_table():
    # hidden-networks reference section 4: sqrt(2/fan_in) as float32 for fan_in 147 and 9216.
    assert set(np.abs(gen.weights("signed-constant", 1, 0, (4, 3, 7, 7))).reshape(-1).tolist()) == {np.float32(0.11664237)}
    assert set(np.abs(gen.weights("signed-constant", 1, 0, (2, 1024, 3, 3))).reshape(-1).tolist()) == {np.float32(0.014731391)}


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown init"):
        gen.weights("uniform", 1, 0, (1, 1, 1, 1))
    proc = subprocess.run(TOOL + ["--seed", "-1", "--layer", "0", "--init", "kaiming-normal",
                           "--shape", "1", "1", "1", "1", "-o", os.devnull], capture_output=True, text=True,
                          env=SOURCE_ENV)
    assert proc.returncode == 2 and "seed must be" in proc.stderr
