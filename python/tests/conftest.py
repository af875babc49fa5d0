"""Tests import the package from python/src, installed or not; subprocesses get the same path."""
import os
import sys
from pathlib import Path

SOURCE = str(Path(__file__).resolve().parent.parent / "src")
sys.path.insert(0, SOURCE)
SOURCE_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [SOURCE, os.environ.get("PYTHONPATH")])))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPOSITORY = Path(__file__).resolve().parent.parent.parent
