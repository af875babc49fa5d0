#!/usr/bin/env bash
# Installs a relocatable supermask: PREFIX/bin/supermask, built with the Swift runtime and Foundation linked in
# (--static-swift-stdlib: it runs without the toolchain), and PREFIX/share/supermask with the files it finds
# there without the checkout — the zoo registry (models/zoo.json), the demo bundle (models/mnist) and the
# torch-free converter fetch runs (tools/pth2h5.py and its modules). The tree can be moved as a whole.
# It still needs the system libraries it links (libhdf5, libjpeg-turbo, libpng, zlib: tools/install-dependencies.sh)
# and, for fetch's conversion, python3 with numpy and h5py.
#
#   tools/install.sh [--prefix P] [--executable FILE]
#
# --prefix P         where to install (default: $HOME/.local, whose bin/ is on PATH in most shells)
# --executable FILE  install this supermask instead of building one (the tests install the debug build)
set -euo pipefail

usage() {
    echo "usage: tools/install.sh [--prefix P] [--executable FILE]"
}

prefix="$HOME/.local"
executable=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --prefix) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --executable) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; executable="$2"; shift 2 ;;
        --executable=*) executable="${1#--executable=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
[[ -n "$prefix" ]] || { echo "install.sh: error: --prefix is empty" >&2; exit 64; }
if [[ -n "$executable" && ! -x "$executable" ]]; then
    echo "install.sh: error: $executable: not an executable file" >&2
    exit 1
fi

cd "$(dirname "$0")/.."
if [[ -z "$executable" ]]; then
    # A scratch directory of its own: the static link would otherwise invalidate `swift build -c release`'s.
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    if ! swift build -c release --product supermask --static-swift-stdlib --scratch-path .build/install >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "install.sh: error: the build failed" >&2
        exit 1
    fi
    tail -n 1 "$log"
    executable="$(swift build -c release --static-swift-stdlib --scratch-path .build/install --show-bin-path)/supermask"
fi

share="$prefix/share/supermask"
install -d "$prefix/bin" "$share/models/mnist" "$share/tools/boundedpickle"
install -m 755 "$executable" "$prefix/bin/supermask"
install -m 644 models/zoo.json "$share/models/zoo.json"
install -m 644 models/mnist/* "$share/models/mnist/"
install -m 755 tools/pth2h5.py "$share/tools/pth2h5.py"
install -m 644 tools/torchpickle.py tools/torchglobals.py "$share/tools/"
install -m 644 tools/boundedpickle/*.py "$share/tools/boundedpickle/"

echo "installed $prefix/bin/supermask and $share"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "add $prefix/bin to PATH, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
