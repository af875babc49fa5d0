#!/usr/bin/env bash
# Installs what supermask needs on Debian 12 besides the Swift toolchain: the C libraries it links (libhdf5
# for the importer, zlib for the container format, libjpeg-turbo and libpng for images, libcurl for the
# zoo's downloads) and the Python packages of tools/requirements.txt (the converter and its tests). Safe to
# run again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(pkg-config libhdf5-dev zlib1g-dev libjpeg62-turbo-dev libpng-dev libcurl4-openssl-dev)
if ! dpkg -s "${apt_packages[@]}" >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r tools/requirements.txt
