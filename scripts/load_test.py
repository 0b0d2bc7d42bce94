"""Load and fault checks of the served examiner app (issue 13, items 12–13): benchmarks that print figures.

``load``: N browser sessions (one headless Chromium, one context each) do 판별 + 저장 in a loop for S seconds
against ``panel serve apps/examiner.py`` with the default trained model; prints p50/p95 판별→result, saves attempted,
saves the app confirmed, rows stored for the run's companies (must equal confirmed saves) and errors.

``fault``: (1) the server process is killed (SIGKILL) at several moments of a save and restarted: the company has
0 or 1 rows, and the examiner's retry (the same input and decision after reloading) leaves exactly one; (2) with
PostgreSQL, the database is stopped while a result is on screen: 저장 shows the Korean message, and once the
database is back, a second click of 저장 on the same page saves one row.

    .venv/bin/python scripts/load_test.py load --db sqlite --sessions 8 --seconds 120
    .venv/bin/python scripts/load_test.py load --db postgresql --sessions 8 --seconds 120
    .venv/bin/python scripts/load_test.py fault

PostgreSQL runs use the ``test`` database at 127.0.0.1:5432 (``--pg-url``); each run marks its companies with a
run id, so earlier rows do not count. Figures are in docs/app.md ("Under load and faults").
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.config import SYNTH_DIR  # noqa: E402
from workbench.schema.ingest import read_records  # noqa: E402
from workbench.store import JudgmentStore  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEXT_FIELDS = ("company_name", "business_reg_no", "ceo_name", "ksic_code", "industry_name", "nst_code")
AREA_FIELDS = ("main_product", "product_use", "tech_project")
TIMEOUT_MS = 120_000
SAVED = "판별 번호"  # in every success or already-saved status


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``panel serve apps/examiner.py`` as the Makefile runs it, in its own process (so it can be killed)."""

    def __init__(self, db_url: str, port: int | None = None, root: Path = ROOT):
        self.db_url, self.port, self.root = db_url, port or free_port(), root
        self.url = f"http://127.0.0.1:{self.port}/examiner"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 300) -> "Server":
        env = {**os.environ, "WORKBENCH_DB_URL": self.db_url, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="examiner-", delete=False)
        self.process = subprocess.Popen(
            [str(self.root / ".venv/bin/panel"), "serve", "apps/examiner.py", "--address", "127.0.0.1",
             "--port", str(self.port), "--num-procs", "1", "--warm", "--allow-websocket-origin",
             f"127.0.0.1:{self.port}", "--websocket-max-message-size", str(1024 * 1024)],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=60).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {self.log.name}") from None
                time.sleep(0.5)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def served(db_url: str) -> Iterator[Server]:
    server = Server(db_url).start()
    try:
        yield server
    finally:
        server.stop()


def records(run_id: str, n: int) -> list[dict[str, str]]:
    """Held-out synthetic records as form values, each under a company name unique to this run."""
    out = []
    for i, r in enumerate(read_records(SYNTH_DIR / "synthetic_test.csv", require_label=True).records[:n]):
        values = {f: getattr(r, f) for f in TEXT_FIELDS + AREA_FIELDS}
        values["company_name"] = f"부하{run_id}-{i:04d}"
        out.append(values)
    return out


def rows_for(db_url: str, prefix: str) -> list[Any]:
    with JudgmentStore(db_url) as store:
        return [j for j in store.list() if j.company_name.startswith(prefix)]


# ---- one examiner's page (Playwright, async) ---------------------------------------------------------------
async def fill_form(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        box = page.locator(f".field-{name} {'textarea' if name in AREA_FIELDS else 'input'}").first
        await box.fill(value)
        await box.press("Tab")


async def classify(page: Any, values: dict[str, str]) -> float:
    """Fill the form, click 판별 and wait for this company's three cards; seconds from the click."""
    await fill_form(page, values)
    start = time.perf_counter()
    await page.locator(".classify-button button").click()
    await page.locator(".rec-card").nth(2).wait_for(state="visible")
    return time.perf_counter() - start


async def choose_and_save(page: Any, examiner: str) -> str:
    """1순위 채택, examiner name, 저장; the status text the app shows."""
    await page.locator(".decision-input label").filter(has_text="1순위 채택").click()
    box = page.locator(".examiner-input input")
    if await box.is_enabled():
        await box.fill(examiner)
        await box.press("Tab")
    await page.locator(".save-button button").click()
    return await save_outcome(page)


async def save_outcome(page: Any) -> str:
    """The status the save ends with (a save in progress shows none; the button spins)."""
    status = page.locator(".save-status div.alert")
    await status.wait_for(state="visible")
    return await status.inner_text()


async def back_to_form(page: Any) -> None:
    await page.locator(".back-button button").click()
    await page.locator(".rec-card").first.wait_for(state="hidden")


async def open_app(context: Any, url: str) -> Any:
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(url)
    await page.locator(".classify-button button").wait_for()
    return page


# ---- load ---------------------------------------------------------------------------------------------------
async def session_loop(browser: Any, url: str, queue: list[dict[str, str]], deadline: float, n: int,
                       out: dict[str, list]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
    try:
        page = await open_app(context, url)
        while time.monotonic() < deadline and queue:
            values = queue.pop()
            try:
                out["latency"].append(await classify(page, values))
                out["attempted"].append(values["company_name"])
                status = await choose_and_save(page, f"부하심사역{n}")
                (out["confirmed"] if SAVED in status else out["errors"]).append(status[:120])
                await back_to_form(page)
            except Exception as exc:  # a timeout or a closed page is an error of the run, not of the script
                out["errors"].append(f"{type(exc).__name__}: {str(exc)[:120]}")
                await page.close()
                page = await open_app(context, url)
    finally:
        await context.close()


async def run_load(url: str, sessions: int, seconds: float, values: list[dict[str, str]]) -> dict[str, list]:
    from playwright.async_api import async_playwright

    out: dict[str, list] = {"latency": [], "attempted": [], "confirmed": [], "errors": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # one warm-up 판별 so the figures are of a warm server, as examiners meet it
        warm = await browser.new_context()
        page = await open_app(warm, url)
        await classify(page, values.pop())
        await warm.close()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(session_loop(browser, url, values, deadline, n, out) for n in range(sessions)))
        await browser.close()
    return out


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def load(db: str, sessions: int, seconds: float, pg_url: str) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'load.sqlite3'}" if db == "sqlite" else pg_url
        values = records(run_id, 2000)[::-1]
        with served(db_url) as server:
            out = asyncio.run(run_load(server.url, sessions, seconds, values))
        stored = rows_for(db_url, f"부하{run_id}-")
    lat = [x * 1000 for x in out["latency"]]
    return {"db": db, "sessions": sessions, "seconds": seconds, "classifications": len(lat),
            "p50_ms": round(percentile(lat, 50), 1) if lat else None,
            "p95_ms": round(percentile(lat, 95), 1) if lat else None,
            "saves_attempted": len(out["attempted"]), "saves_confirmed": len(out["confirmed"]),
            "rows_stored": len(stored), "duplicate_rows": len(stored) - len({r.company_name for r in stored}),
            "errors": len(out["errors"]), "error_samples": sorted(set(out["errors"]))[:5]}


# ---- faults -------------------------------------------------------------------------------------------------
async def kill_during_save(db_url: str, delays_ms: list[int], run_id: str) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    results = []
    values = records(run_id, len(delays_ms))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        server = Server(db_url).start()
        for delay, v in zip(delays_ms, values):
            context = await browser.new_context(locale="ko-KR")
            page = await open_app(context, server.url)
            await classify(page, v)
            await page.locator(".decision-input label").filter(has_text="1순위 채택").click()
            await page.locator(".examiner-input input").fill("장애심사역")
            await page.locator(".examiner-input input").press("Tab")
            await page.locator(".save-button button").click()
            await asyncio.sleep(delay / 1000)
            server.kill()
            after_kill = len(rows_for(db_url, v["company_name"]))
            await context.close()
            server = Server(db_url, server.port).start()
            # the examiner reloads the page and does the same 판별 and decision again
            context = await browser.new_context(locale="ko-KR")
            page = await open_app(context, server.url)
            await classify(page, v)
            status = await choose_and_save(page, "장애심사역")
            await context.close()
            results.append({"kill_after_ms": delay, "rows_after_kill": after_kill,
                            "retry_status": status.split("(")[0].strip(),
                            "rows_after_retry": len(rows_for(db_url, v["company_name"]))})
        server.stop()
        await browser.close()
    return results


def pg_cluster(action: str) -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True)


async def database_outage(pg_url: str, run_id: str) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    v = records(run_id, 1)[0]
    v["company_name"] = f"장애{run_id}-pg"
    result: dict[str, Any] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        with served(pg_url) as server:
            context = await browser.new_context(locale="ko-KR")
            page = await open_app(context, server.url)
            await classify(page, v)
            pg_cluster("stop")
            try:
                result["status_while_down"] = await choose_and_save(page, "장애심사역")
            finally:
                pg_cluster("start")
            await page.locator(".save-button button").click()  # the same page, no reload
            saved = page.locator(".save-status div.alert").filter(has_text=SAVED)
            await saved.wait_for()
            result["status_after_restart"] = await saved.inner_text()
            await context.close()
        await browser.close()
    result["rows"] = len(rows_for(pg_url, v["company_name"]))
    return result


def fault(pg_url: str, with_pg: bool) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'fault.sqlite3'}"
        killed = asyncio.run(kill_during_save(db_url, [0, 20, 50, 100, 200, 500], run_id))
    out: dict[str, Any] = {"kill_during_save": killed,
                           "retry_gives_exactly_one_row": all(k["rows_after_retry"] == 1 for k in killed)}
    if with_pg:
        out["postgres_outage"] = asyncio.run(database_outage(pg_url, run_id))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    lp.add_argument("--sessions", type=int, default=8)
    lp.add_argument("--seconds", type=float, default=120)
    fp = sub.add_parser("fault")
    fp.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL outage (it stops the local server)")
    for p in (lp, fp):
        p.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    if args.command == "load":
        result = load(args.db, args.sessions, args.seconds, args.pg_url)
    else:
        result = fault(args.pg_url, not args.no_pg)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
