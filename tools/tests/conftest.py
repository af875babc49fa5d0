"""Make tools/ (pth2h5, torchpickle) and tools/tests/ (craft, helpers) importable by the tests."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]
