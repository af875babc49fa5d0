#!/usr/bin/env bash
# Installs what supermask needs on Debian 12 besides the Swift toolchain: libhdf5 (the importer), and
# numpy + h5py + pytest (the Python converter and its tests). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! pkg-config --exists hdf5 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev pkg-config >/dev/null
fi
if ! python3 -c "import numpy, h5py, pytest" 2>/dev/null; then
    python3 -m pip install --quiet -r tools/requirements.txt 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages -r tools/requirements.txt
fi
