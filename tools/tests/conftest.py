"""Make tools/ (pth2h5, torchpickle), tools/tests/ (craft, helpers) and tools/fuzz/ (the worst cases, the
fuzz harness) importable by the tests."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS.parent), str(TESTS), str(TESTS.parent / "fuzz")]
