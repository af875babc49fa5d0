"""tools/install.sh: the installed tree finds its registry, demo bundle and converter without the checkout,
after being moved elsewhere, run from a directory that holds none of them.

The tests install the debug executable `swift test` built (`--executable`), so they check the layout and the
lookup, not the static link of the release build (README, "Installing").
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
INSTALL = REPOSITORY / "tools" / "install.sh"
SUPERMASK = Path(os.environ.get("SUPERMASK", REPOSITORY / ".build" / "debug" / "supermask"))
pytestmark = pytest.mark.skipif(not SUPERMASK.exists(), reason="build supermask first (swift build), or set SUPERMASK")


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """An installation made under one prefix, then moved to another."""
    root = tmp_path_factory.mktemp("install")
    result = subprocess.run([str(INSTALL), "--prefix", str(root / "first"), "--executable", str(SUPERMASK)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"installed {root / 'first'}/bin/supermask and {root / 'first'}/share/supermask" in result.stdout
    shutil.move(root / "first", root / "moved")
    return root / "moved"


def run(prefix, *arguments, cwd):
    environment = dict(os.environ, XDG_CACHE_HOME=str(cwd / "cache"), COLUMNS="100")
    environment.pop("SUPERMASK_TOOLS", None)
    return subprocess.run([str(prefix / "bin" / "supermask"), *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True)


def test_the_moved_installation_finds_its_registry_and_bundle(moved, tmp_path):
    share = moved / "share" / "supermask"
    zoo = run(moved, "zoo", "--json", cwd=tmp_path)
    assert zoo.returncode == 0, zoo.stderr
    rows = {row["name"]: row for row in json.loads(zoo.stdout)["models"]}
    assert rows["fc-usc"]["state"] == "verified"
    assert rows["resnet50-usc"]["state"] == "absent"

    demo = run(moved, "demo", "--json", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    report = json.loads(demo.stdout)
    assert report["bundle"] == str(share / "models" / "mnist")

    inspect = run(moved, "inspect", "fc-usc", cwd=tmp_path)
    assert inspect.returncode == 0, inspect.stderr
    assert str(share / "models" / "mnist" / "fc-usc.smask") in inspect.stdout


def test_the_installed_converter_runs_on_its_own(moved, tmp_path):
    output = tmp_path / "fc-usc.h5"
    converted = subprocess.run(
        ["python3", str(moved / "share" / "supermask" / "tools" / "pth2h5.py"),
         str(REPOSITORY / "models" / "demo" / "fc-usc.legacy.pth"), str(output), "--keep", "0.5"],
        cwd=tmp_path, capture_output=True, text=True)
    assert converted.returncode == 0, converted.stderr
    inspect = run(moved, "inspect", str(output), cwd=tmp_path)
    assert inspect.returncode == 0, inspect.stderr
    assert "architecture  FC (input 1×28×28, 10 classes)" in inspect.stdout


def test_bad_arguments_are_usage_errors(tmp_path):
    for arguments in (["--prefix"], ["--frobnicate"]):
        result = subprocess.run([str(INSTALL), *arguments], capture_output=True, text=True)
        assert result.returncode == 64
        assert "usage: tools/install.sh [--prefix P] [--executable FILE]" in result.stderr
    missing = subprocess.run([str(INSTALL), "--prefix", str(tmp_path), "--executable", str(tmp_path / "none")],
                             capture_output=True, text=True)
    assert missing.returncode == 1
    assert missing.stderr == f"install.sh: error: {tmp_path / 'none'}: not an executable file\n"
    assert not (tmp_path / "bin").exists()
