"""The first run's background fine-tuning: ``workbench setup`` trains a quick model (frozen encoder, minutes) so the
app answers soon, then starts ``workbench train`` (the fine-tuned default) as a detached, low-priority process; the
app swaps its model in when it is saved (:func:`workbench.recommend.service.watch`)."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from workbench.config import DATA_DIR

LOG_DIR = DATA_DIR / "logs"


def pid_file(encoder: str) -> Path:
    return LOG_DIR / f"tuning-{encoder}.pid"


def log_file(encoder: str) -> Path:
    return LOG_DIR / f"tuning-{encoder}.log"


def running_pid(encoder: str) -> int | None:
    """PID of a background fine-tuning of ``encoder`` still running, else None. The training holds a lock on its
    pid file for as long as it lives (inherited from :func:`start_tuning`), so a stale file, or a PID since reused
    by another program, reads as not running; nothing depends on what ``/proc`` shows."""
    try:
        with open(pid_file(encoder)) as file:
            try:
                fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return int(file.read())
            return None
    except (OSError, ValueError):
        return None


def start_tuning(encoder: str, data: Path) -> int:
    """Start ``workbench train --data DATA --encoder ENCODER`` detached (own session: stopping the app does not stop
    it) at the lowest CPU priority, so examiners' 판별 come first; output in :func:`log_file`. Returns its PID (the
    running one's if it was started before)."""
    pid = running_pid(encoder)
    if pid is not None:
        return pid
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(log_file(encoder), "ab") as log, open(pid_file(encoder), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the child keeps it (pass_fds) after this process closes its copy
        proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "train", "--data", str(data),
                                 "--encoder", encoder], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, pass_fds=(lock.fileno(),), start_new_session=True,
                                preexec_fn=lambda: os.nice(19))
        lock.write(str(proc.pid))
    return proc.pid
