#!/usr/bin/env bash
# `make setup-det`: full mmcv (compiled CPU ops) + mmdet in the project's venv.
#
# mmdet 3.x imports mmcv's compiled ops (`mmcv._ext`); mmcv-lite has none and
# PyPI has no mmcv wheel for current torch/Python, so mmcv is built from its
# sdist once and the wheel is cached OUTSIDE the repository, keyed by the
# mmcv version, the torch version and the Python/platform tag:
#
#   ${FAM_MM_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/fam-mm}/wheels/mmcv-<v>/torch-<v>-<tag>/
#
# mmcv 2.1.0's setup.py asks for -std=c++14/17, but the headers of recent torch
# (2.14 here) need C++20: the build patches those flags to -std=c++20 (nothing else). A
# second run with the same torch finds the cached wheel and takes seconds.
#
# Environment: PY (venv python, default .venv/bin/python), MMCV_VERSION,
# MMDET_VERSION (defaults from requirements/det.txt), FAM_MM_CACHE_DIR,
# MAX_JOBS (parallel compile jobs, default: number of cores), CXX,
# FORCE_CUDA=1 to compile the CUDA ops too (needs nvcc; cached separately).
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
case "$PY" in /*) ;; *) PY="$PWD/$PY" ;; esac
DET_REQ=requirements/det.txt
pin() { sed -n "s/^$1==\([0-9.]*\).*/\1/p" "$DET_REQ"; }
MMCV_VERSION=${MMCV_VERSION:-$(pin mmcv)}
MMDET_VERSION=${MMDET_VERSION:-$(pin mmdet)}
CACHE_DIR=${FAM_MM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fam-mm}
CXX=${CXX:-c++}
FORCE_CUDA=${FORCE_CUDA:-0}
START=$(date +%s)

log() { echo ">>> [setup-det $(( $(date +%s) - START ))s] $*"; }
die() { echo "!!! [setup-det] ERROR: $*" >&2; exit 1; }
# pip, quiet, without the notices some pip configurations print for every
# package (its exit status is kept: pipefail)
pipq() {
    "$PY" -m pip "$@" --quiet 2>&1 | { grep -v -e '^WARNING: Location' || true; }
}

[ -x "$PY" ] || die "no virtual environment at $PY: run 'make setup' first"
[ -n "$MMCV_VERSION" ] && [ -n "$MMDET_VERSION" ] \
    || die "could not read the mmcv/mmdet pins from $DET_REQ"

# 0. Already done? (full mmcv with ops, mmdet, fam-mm's metadata updated)
installed() {
    "$PY" - "$MMCV_VERSION" "$MMDET_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib import metadata
import mmcv
from mmcv import _ext  # noqa: F401  (compiled ops)
assert mmcv.__version__ == sys.argv[1], mmcv.__version__
assert metadata.version('mmdet') == sys.argv[2]
assert not [r for r in metadata.requires('fam_mm') or []
            if r.startswith('mmcv-lite') and 'extra ==' not in r]
EOF
}

# 8. Check: ops run and mmdet builds a detector.
verify() {
    "$PY" - <<'EOF' || die "mmcv ops / mmdet do not work after installation (see above)"
import torch
from mmcv.ops import nms, roi_align
import mmdet
from mmdet.models.detectors import FCOS  # noqa: F401
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
_, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
assert keep.tolist() == [0, 2], keep
out = roi_align(torch.rand(1, 1, 8, 8), torch.tensor([[0., 0., 0., 4., 4.]]), (2, 2), 1.0, 0)
assert out.shape == (1, 1, 2, 2)
print(f'mmcv ops (nms, roi_align) OK, mmdet {mmdet.__version__}')
EOF
}

if installed; then
    log "mmcv $MMCV_VERSION with ops and mmdet $MMDET_VERSION are already installed"
    verify
    exit 0
fi

# 1. Key of the cached wheel: the torch ABI and the interpreter.
KEY=$("$PY" -c "
import sys, sysconfig, torch
tag = f'cp{sys.version_info[0]}{sys.version_info[1]}'
print(f'torch-{torch.__version__}-{tag}-{sysconfig.get_platform()}'.replace('+', '_'))
") || die "torch is not importable from $PY: run 'make setup' first"
[ "$FORCE_CUDA" = 1 ] && KEY="$KEY-cudaops"
WHEEL_DIR="$CACHE_DIR/wheels/mmcv-$MMCV_VERSION/$KEY"
WHEEL=$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)

if [ -n "$WHEEL" ]; then
    log "using the cached wheel $WHEEL"
else
    log "no cached mmcv $MMCV_VERSION wheel for $KEY: building it (measured: about 7 min on 2 cores)"
    # 2. A C++20 compiler and the Python headers are needed.
    command -v "$CXX" >/dev/null 2>&1 || die "no C++ compiler ('$CXX' not found). \
Install one (Debian/Ubuntu: apt-get install g++; set CXX to use another), or, on a GPU \
cluster, install OpenMMLab's prebuilt mmcv instead (see projects/fam_pseudo_det/README.md)."
    echo 'int main() { return 0; }' | "$CXX" -std=c++20 -x c++ - -o /dev/null 2>/dev/null \
        || die "'$CXX' cannot compile C++20 (torch's headers need it): use g++ >= 10 or clang >= 10"
    "$PY" -c "import os, sysconfig; p = os.path.join(sysconfig.get_paths()['include'], 'Python.h'); \
assert os.path.exists(p), p" 2>/dev/null \
        || die "Python.h not found for $PY (Debian/Ubuntu: apt-get install python3-dev)"

    BUILD_ROOT="$CACHE_DIR/build"
    mkdir -p "$BUILD_ROOT" "$WHEEL_DIR"
    SRC_DIR=$(mktemp -d "$BUILD_ROOT/mmcv-$MMCV_VERSION.XXXX")
    BUILD_LOG="$SRC_DIR.log"
    # 3. Build tools in the venv. mmcv's setup.py needs setuptools < 70 while
    # torch asks for a newer one at run time: the venv's own setuptools is put
    # back when the build ends, whichever way it ends.
    SETUPTOOLS=$("$PY" -c "from importlib import metadata; print(metadata.version('setuptools'))" \
        2>/dev/null || true)
    restore() {
        rm -rf "$SRC_DIR"
        if [ -n "$SETUPTOOLS" ]; then
            pipq install "setuptools==$SETUPTOOLS" >/dev/null 2>&1 || true
        fi
    }
    trap restore EXIT
    log "installing build tools (setuptools<70, wheel, ninja)"
    pipq install 'setuptools<70' wheel ninja 2>&1 \
        | { grep -v -e 'dependency' -e 'setuptools>=' || true; } \
        || die "could not install the build tools (setuptools<70, wheel, ninja)"

    # 4. The sdist, from the configured package index.
    log "downloading the mmcv $MMCV_VERSION sdist"
    pipq download --no-deps --no-binary :all: --no-build-isolation \
        -d "$SRC_DIR/dl" "mmcv==$MMCV_VERSION" || true
    [ -f "$SRC_DIR/dl/mmcv-$MMCV_VERSION.tar.gz" ] \
        || die "could not download the mmcv==$MMCV_VERSION sdist from the package index"
    tar -xzf "$SRC_DIR"/dl/mmcv-"$MMCV_VERSION".tar.gz -C "$SRC_DIR"
    SRC="$SRC_DIR/mmcv-$MMCV_VERSION"

    # 5. The one patch: C++20 instead of C++14/17 in the compile flags.
    sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    grep -q -- '-std=c++20' "$SRC/setup.py" || die "patching $SRC/setup.py failed"
    N_SOURCES=$(ls "$SRC"/mmcv/ops/csrc/pytorch/*.cpp "$SRC"/mmcv/ops/csrc/pytorch/cpu/*.cpp | wc -l)

    # 6. Compile (CPU ops only), printing progress every 30 s.
    JOBS=${MAX_JOBS:-$(nproc 2>/dev/null || echo 2)}
    log "compiling $N_SOURCES C++ sources with $JOBS jobs (log: $BUILD_LOG)"
    ( cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE_CUDA MAX_JOBS=$JOBS \
        "$PY" -m pip wheel --verbose --no-deps --no-build-isolation -w "$SRC/dist" . ) \
        >"$BUILD_LOG" 2>&1 &
    BUILD_PID=$!
    while kill -0 "$BUILD_PID" 2>/dev/null; do
        sleep 30
        DONE=$(find "$SRC" -name '*.o' 2>/dev/null | wc -l)
        log "compiled $DONE / $N_SOURCES objects"
    done
    if ! wait "$BUILD_PID"; then
        tail -n 40 "$BUILD_LOG" >&2
        die "building mmcv $MMCV_VERSION failed; the whole log is $BUILD_LOG"
    fi
    BUILT=$(ls "$SRC"/dist/mmcv-"$MMCV_VERSION"-*.whl)
    # Move into the cache in one step so an interrupted build leaves no wheel.
    cp "$BUILT" "$WHEEL_DIR/.partial" && mv "$WHEEL_DIR/.partial" "$WHEEL_DIR/$(basename "$BUILT")"
    WHEEL="$WHEEL_DIR/$(basename "$BUILT")"
    rm -f "$BUILD_LOG"
    log "cached $WHEEL"
fi

# 7. Replace mmcv-lite (same import name) with the full mmcv, then mmdet.
if "$PY" -m pip show --quiet mmcv-lite >/dev/null 2>&1; then
    log "uninstalling mmcv-lite (full mmcv provides the same package)"
    pipq uninstall --yes mmcv-lite
fi
log "installing $(basename "$WHEEL")"
pipq install --force-reinstall --no-deps "$WHEEL"
pipq install "$WHEEL"
log "installing mmdet $MMDET_VERSION"
pipq install "mmdet==$MMDET_VERSION"
# fam-mm installs made before setup.py stopped asking for mmcv-lite still
# record that requirement: refresh them.
if ! "$PY" -c "from importlib import metadata as m; \
assert not [r for r in m.requires('fam_mm') or [] \
            if r.startswith('mmcv-lite') and 'extra ==' not in r]" 2>/dev/null; then
    log "refreshing fam-mm's install metadata (it asked for mmcv-lite)"
    pipq install --no-deps -e .
fi

verify
log "done"
