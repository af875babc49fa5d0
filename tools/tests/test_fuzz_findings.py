"""Every finding of the pickle fuzzer (tools/fuzz/fuzz_torchpickle.py), kept as a regression test: the input the
fuzzer saved, in the harness's format, and the one-line refusal it must now get."""

from pathlib import Path

import pytest

from fuzz_torchpickle import Harness, Templates
from helpers import FIXTURES
from pth2h5 import ConversionError, convert

FINDINGS = FIXTURES / "fuzz-findings"


def converted_error(tmp_path, name: str) -> str:
    """The ConversionError the finding's checkpoint gets (any other exception fails the test)."""
    source = tmp_path / "finding.pth"
    source.write_bytes(Templates().checkpoint((FINDINGS / name).read_bytes()))
    with pytest.raises(ConversionError) as caught:
        convert(source, tmp_path / "out.h5", 0.5)
    return str(caught.value)


def test_numpy_dtype_called_without_arguments(tmp_path):
    # Campaign 2, after 601 executions: `numpy.dtype` REDUCEd with an empty tuple raised TypeError from the
    # stand-in's constructor instead of a checkpoint error.
    assert converted_error(tmp_path, "numpy-dtype-without-arguments").endswith("numpy.dtype called with 0 arguments")


def test_set_called_with_a_list_of_lists(tmp_path):
    # Campaign 2, after 99,358 executions: `builtins.set([[]])` hashed its elements inside the stand-in, before the
    # machine's key check, and raised TypeError. The same path hashed shared nested tuples for as long as 2**depth
    # takes; the elements are now checked before the set is built (see test_worst_cases.py).
    assert converted_error(tmp_path, "set-of-a-list").endswith(
        "refusing a dict key or set element that is a list (only str and 64-bit int)")


def test_every_saved_finding_is_covered_here():
    names = {path.name for path in FINDINGS.iterdir()}
    tested = {"numpy-dtype-without-arguments", "set-of-a-list"}
    assert names == tested, "a new finding needs its own test above"


@pytest.mark.parametrize("finding", sorted(FINDINGS.iterdir()), ids=lambda path: Path(path).name)
def test_findings_run_clean_through_the_harness(finding):
    assert Harness().check(finding.read_bytes()) == "refused"
