"""The pickle fuzzer's harness on its committed seeds: each runs without a finding, the malicious ones are refused
and the others convert (so mutations start from inputs that reach the HDF5 writer)."""

import pytest

from fuzz_torchpickle import SEEDS, Harness

SEED_FILES = sorted(SEEDS.iterdir())


@pytest.fixture(scope="module")
def harness():
    return Harness()


@pytest.mark.parametrize("seed", SEED_FILES, ids=[path.name for path in SEED_FILES])
def test_seeds_run_without_findings(harness, seed):
    outcome = harness.check(seed.read_bytes())
    assert outcome == ("refused" if seed.name.startswith("file-malicious-") else "converted")


def test_the_corpus_covers_every_input_mode():
    assert {path.read_bytes()[0] for path in SEED_FILES} == {0, 1, 2}
    assert len(SEED_FILES) >= 10
