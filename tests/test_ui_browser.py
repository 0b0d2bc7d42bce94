"""End-to-end tests of the examiner app in headless Debian Chromium (Playwright), plus a latency helper.

The app is served in-process (``panel.serve(..., threaded=True)``) on a free localhost port with the
:class:`FakeRecommender` of ``tests/test_ui_state.py`` and a temporary SQLite store, so no test hook lives in
the app. Without ``/usr/bin/chromium`` the tests are skipped, except under ``CI=true`` where that fails.
Screenshots go to ``$WORKBENCH_SCREENSHOTS/{input,result,history}.png`` (default: a temporary folder, so a test run
leaves the checkout clean; ``WORKBENCH_SCREENSHOTS=docs/screenshots`` refreshes the ones the docs show).

Latency of the real app (판별 click → results shown, p50 over 20 runs)::

    .venv/bin/python tests/test_ui_browser.py --runs 20            # real shared recommender
    .venv/bin/python -c "from tests.test_ui_browser import measure_classify_latency as m; print(m())"
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_ui_state import FAKE_CODES, VALID, FakeRecommender  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(tempfile.gettempdir()) / "workbench-screenshots"))
TIMEOUT_MS = 30_000
TEXT_FIELDS = ("company_name", "business_reg_no", "ceo_name", "ksic_code", "industry_name", "nst_code")
AREA_FIELDS = ("main_product", "product_use", "tech_project")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_app(recommender: Callable[[], Any] | None, store_url: str, **serve: Any) -> Iterator[str]:
    """Serve ``workbench.ui.build_app`` on a free localhost port in a background thread; yields its URL.
    ``serve``: more ``pn.serve`` options (e.g. ``websocket_max_message_size``)."""
    import panel as pn

    from workbench.ui import build_app

    port = free_port()
    server = pn.serve({"/": lambda: build_app(recommender=recommender, store_url=store_url)}, port=port,
                      address="127.0.0.1", websocket_origin=[f"127.0.0.1:{port}"], show=False, threaded=True,
                      start=True, title="examiner-test", **serve)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.stop()


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_text("기업정보 입력").first.wait_for()
    page.locator(".classify-button button").wait_for()


def fill_form(page: Any, values: dict[str, str]) -> None:
    """Type every value like an examiner (each box is committed by leaving it with Tab)."""
    for name, value in values.items():
        box = page.locator(f".field-{name} {'textarea' if name in AREA_FIELDS else 'input'}").first
        box.fill(value)
        box.press("Tab")


def click_classify(page: Any) -> None:
    page.locator(".classify-button button").click()


def rows_in(store_url: str) -> list[Any]:
    from workbench.store import JudgmentStore

    with JudgmentStore(store_url) as store:
        return store.list()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'judgments.sqlite3'}"


def test_classify_highlight_save_history(page: Any, store_url: str) -> None:
    from playwright.sync_api import expect

    fake = FakeRecommender(delay=0.3)
    with serve_app(lambda: fake, store_url) as url:
        open_app(page, url)
        # typing a known KSIC code offers the official 업종명
        ksic = page.locator(".field-ksic_code input")
        ksic.press_sequentially(VALID["ksic_code"])
        page.get_by_text("KSIC 업종명").wait_for()
        page.get_by_role("button", name="업종명에 입력").click()
        expect(page.locator(".field-industry_name input")).to_have_value(VALID["industry_name"])
        fill_form(page, {k: v for k, v in VALID.items() if k not in ("ksic_code", "industry_name")})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "input.png"))

        click_classify(page)
        cards = page.locator(".rec-card")
        cards.nth(2).wait_for(state="visible")
        assert cards.count() == 3
        assert [cards.nth(i).get_attribute("data-code") for i in range(3)] == list(FAKE_CODES)
        assert "62.0%" in cards.nth(0).inner_text()
        assert page.get_by_text("검토 필요").first.is_visible()
        marks = cards.nth(0).locator("mark")
        assert marks.count() >= 3 and "수전해" in [marks.nth(i).inner_text() for i in range(marks.count())]
        # user text is escaped: the <script> typed into 주요제품 shows literally and never runs
        assert "<script>alert(1)</script>" in cards.nth(0).inner_text() and page.dialogs == []
        page.set_viewport_size({"width": 1400, "height": 2400})  # the template scrolls inside: show more
        page.screenshot(path=str(SCREENSHOTS / "result.png"))
        page.set_viewport_size({"width": 1400, "height": 1000})

        # 분류기준일 is the day of this 판별 (KST), shown with the company
        from workbench.ui.state import today_kst

        page.get_by_text(today_kst().isoformat()).first.wait_for()  # in the company card of the result screen
        page.locator(".decision-input label").filter(has_text="1순위 채택").click()
        # an item decision shows the preferential supports it opens (연계 우대지원), 해당 없음 none
        page.get_by_text("보증료 감면 (최대 0.5%p)").first.wait_for()
        page.locator(".decision-input label").filter(has_text="해당 없음").click()
        page.get_by_text("보증료 감면 (최대 0.5%p)").first.wait_for(state="hidden")
        page.locator(".decision-input label").filter(has_text="1순위 채택").click()
        page.locator(".comment-input textarea").fill("1순위 채택 — 주요제품 일치")
        page.locator(".examiner-input input").fill("이심사")
        page.locator(".examiner-input input").press("Tab")
        save = page.locator(".save-button button")
        save.click()
        page.get_by_text("저장했습니다").first.wait_for()
        save.click()  # a second click must not create a duplicate
        page.get_by_text("이미 저장된 판별입니다").first.wait_for()
        rows = rows_in(store_url)
        assert len(rows) == 1
        row = rows[0]
        assert (row.decision_type, row.accepted_rank, row.final_item_code) == ("accept", 1, FAKE_CODES[0])
        assert (row.company_name, row.examiner, row.comment) == (VALID["company_name"], "이심사", "1순위 채택 — 주요제품 일치")
        assert row.main_product == VALID["main_product"] and len(row.recommendations) == 3

        # changing the decision to another item (searchable list) saves a correction of that row
        page.locator(".decision-input label").filter(has_text="다른 품목 선택").click()
        page.locator(".other-item-input input").wait_for(state="visible")
        page.locator(".other-item-input input").press_sequentially("로봇 프로세스")
        page.get_by_text("A10004 로봇 프로세스 자동화(RPA)").last.click()
        save.click()
        page.get_by_text("정정 저장했습니다").first.wait_for()
        rows = rows_in(store_url)
        assert len(rows) == 2 and rows[0].final_item_code == "A10004" and rows[0].supersedes_id == row.id

        page.locator(".back-button button").click()  # 재분류: values kept
        page.locator(".field-company_name input").wait_for(state="visible")
        assert page.locator(".field-company_name input").input_value() == VALID["company_name"]
        assert page.locator(".field-product_use textarea").input_value() == VALID["product_use"]

        page.locator(".bk-tab").filter(has_text="판별 이력").click()
        page.locator(".tabulator-row").first.wait_for()
        assert page.locator(".tabulator-row").count() == 2
        page.locator(".tabulator-row").last.click()  # the original, accepted judgment
        page.get_by_text(f"판별 번호 {row.id} ").first.wait_for()
        with page.expect_download() as download:
            page.get_by_text("CSV 내보내기").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert VALID["company_name"] in exported and exported.count("\n") >= 3
        expect(page.locator(".notyf__toast")).to_have_count(0, timeout=15_000)  # let the toasts fade
        page.set_viewport_size({"width": 1400, "height": 1400})
        page.screenshot(path=str(SCREENSHOTS / "history.png"))


def test_blank_fields_show_message(page: Any, store_url: str) -> None:
    from playwright.sync_api import expect

    fake = FakeRecommender()
    with serve_app(lambda: fake, store_url) as url:
        open_app(page, url)
        fill_form(page, {"main_product": "수소 센서"})
        click_classify(page)
        message = page.get_by_text("공란 입력").first
        message.wait_for()
        text = message.inner_text()
        for label in ("기업명", "사업자등록번호", "대표자명", "업종코드", "업종명", "제품용도", "기술사업명", "기술분류"):
            assert label in text
        expect(page.locator(".field-error")).to_have_count(8)  # every blank box is outlined
        assert page.locator(".field-main_product textarea").input_value() == "수소 센서"
        assert fake.calls == 0 and rows_in(store_url) == []
        # the '공란 입력' popup names every blank field; closing it puts the cursor in the first one
        popup = page.get_by_role("alertdialog")
        popup.wait_for(state="visible")
        for label in ("기업명", "사업자등록번호", "기술분류"):
            assert label in popup.inner_text()
        page.locator(".blank-popup-ok button").click()
        popup.wait_for(state="hidden")
        expect(page.locator(".field-company_name input")).to_be_focused()
        click_classify(page)  # the same blanks again: the popup comes back
        popup.wait_for(state="visible")


def test_proposed_none_confirmed_in_one_click(page: Any, store_url: str) -> None:
    from workbench.recommend.principles import exclusion_proposal

    class ProposingFake(FakeRecommender):  # the fake's items with the real application-principle proposal
        def recommend(self, record):
            rec = super().recommend(record)
            rec.proposed_none = exclusion_proposal(record)
            return rec

    with serve_app(lambda: ProposingFake(), store_url) as url:
        open_app(page, url)
        fill_form(page, {**VALID, "main_product": "산업용 센서 도매 유통",
                         "product_use": "국내외 제조사로부터 센서를 구매하여 대리점에 도매로 판매함.",
                         "tech_project": "센서 유통망 확대"})
        click_classify(page)
        page.get_by_text("해당 없음 제안").first.wait_for()
        page.locator(".accept-none-button button").click()
        page.get_by_text("보증료 감면").first.wait_for(state="hidden")  # 해당 없음 opens no support
        page.locator(".examiner-input input").fill("이심사")
        page.locator(".examiner-input input").press("Tab")
        page.locator(".save-button button").click()
        page.get_by_text("저장했습니다").first.wait_for()
        assert [r.decision_type for r in rows_in(store_url)] == ["none"]


def test_latency_helper_with_fake(browser: Any) -> None:
    result = measure_classify_latency(runs=5, recommender=FakeRecommender, browser=browser)
    samples = result["samples_ms"]
    assert result["runs"] == len(samples) == 5  # the warm-up click is not among them
    assert result["p50_ms"] == round(statistics.median(samples), 1)
    assert result["min_ms"] == min(samples) <= result["p50_ms"] <= result["p90_ms"] <= result["max_ms"] == max(samples)


# --------------------------------------------------------------------------- latency measurement


def measure_classify_latency(runs: int = 20, recommender: Callable[[], Any] | None = None,
                             store_url: str | None = None, url: str | None = None,
                             browser: Any = None) -> dict[str, Any]:
    """Milliseconds from the 판별 click until the first recommendation card is visible, ``runs`` times.

    ``recommender``: zero-argument factory or class (default: the process-wide real recommender, loaded
    before timing starts). ``url``: measure an already running server instead of serving one here.
    ``browser``: a Playwright browser to reuse (default: launch Debian Chromium).
    Returns ``{"runs", "p50_ms", "p90_ms", "min_ms", "max_ms", "samples_ms"}``; the first, warm-up click
    is not counted.
    """
    from workbench.ui.state import shared_recommender

    if recommender is None and url is None:
        shared_recommender()  # load the model first: start-up is not part of the click latency
    if isinstance(recommender, type):
        instance = recommender()
        recommender = lambda: instance  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp, nullcontext(url) if url else \
            serve_app(recommender, store_url or f"sqlite:///{Path(tmp) / 'latency.sqlite3'}") as app_url:
        if browser is not None:
            samples = _time_clicks(browser, app_url, runs)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                own = launch_chromium(playwright)
                try:
                    samples = _time_clicks(own, app_url, runs)
                finally:
                    own.close()
    ordered = sorted(samples)
    return {"runs": runs, "p50_ms": round(statistics.median(samples), 1),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
            "min_ms": round(ordered[0], 1), "max_ms": round(ordered[-1], 1),
            "samples_ms": [round(s, 1) for s in samples]}


def _time_clicks(browser: Any, app_url: str, runs: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        open_app(page, app_url)
        fill_form(page, VALID)
        first_card = page.locator('.rec-card[data-rank="1"]')
        samples = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            click_classify(page)
            first_card.wait_for(state="visible")
            samples.append((time.perf_counter() - started) * 1000)
            page.locator(".back-button button").click()
            first_card.wait_for(state="hidden")
        return samples[1:]
    finally:
        context.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="p50 latency of 판별 click → results shown")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--url", help="measure a running server instead of serving the app here")
    parser.add_argument("--fake", action="store_true", help="use the test FakeRecommender")
    args = parser.parse_args()
    print(json.dumps(measure_classify_latency(args.runs, FakeRecommender if args.fake else None, url=args.url),
                     ensure_ascii=False))


# --------------------------------------------------------------------------- document intake (issue 16)

WS_MAX_BYTES = 1024 * 1024  # as `make run` (Makefile WS_MAX_BYTES): one websocket message at most 1 MiB


def intake_record() -> Any:
    from workbench.schema.record import CompanyRecord

    return CompanyRecord(
        company_name="(주)하이드로젠텍", business_reg_no="2208162517", ceo_name="김대표", ksic_code="26299",
        industry_name="그 외 기타 전자부품 제조업", main_product="PEM 수전해 스택, 수소 농도 센서",
        product_use="그린수소 생산 설비의 수소 농도를 실시간으로 측정한다. 연료전지 차량 충전소의 누출을 감시한다.",
        tech_project="PEM 수전해 기반 수소 생산 효율 향상 기술 개발", nst_code="EE0101")


def large_plan_pdf(folder: Path) -> Path:
    """A generated 사업계획서 PDF (states 업종코드, not 기술분류) carrying a 2 MB attachment, as scanned
    certificates often are: larger than one websocket message."""
    from pypdf import PdfReader, PdfWriter

    from workbench.intake.testdocs.write import write_document

    plain = write_document(intake_record(), folder / "plain.pdf", seed=0)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.add_attachment("인증서_스캔.bin", os.urandom(2 * 1024 * 1024))
    path = folder / "사업계획서.pdf"
    writer.write(path)
    return path


def upload(page: Any, path: Path) -> None:
    page.locator(".intake-dropper input[type=file]").set_input_files(str(path))


def test_document_upload_proposes_fields_edit_classify_and_save(page: Any, store_url: str, tmp_path: Path) -> None:
    import hashlib

    from playwright.sync_api import expect

    doc = large_plan_pdf(tmp_path)
    assert doc.stat().st_size > 2 * WS_MAX_BYTES  # only a chunked upload gets through
    record = intake_record()
    with serve_app(lambda: FakeRecommender(), store_url, websocket_max_message_size=WS_MAX_BYTES) as url:
        open_app(page, url)
        fill_form(page, {k: VALID[k] for k in ("company_name", "business_reg_no", "ceo_name")})
        fill_form(page, {"main_product": "수소 센서 (심사역 입력)"})
        upload(page, doc)
        page.locator(".intake-document").get_by_text("사업계획서.pdf").wait_for(timeout=60_000)
        product = page.locator('.proposal[data-field="main_product"]')
        expect(product).to_contain_text(record.main_product)
        expect(product).to_contain_text("현재 입력값: 수소 센서 (심사역 입력)")
        expect(page.locator('.proposal[data-field="tech_project"] .where').first).to_contain_text("p.")
        expect(page.locator('.proposal[data-field="nst_code"]')).to_have_count(0)  # not stated: not proposed
        expect(page.locator(".intake-missing-codes")).to_contain_text("문서에 기술분류가 없습니다")  # asked for instead
        expect(page.locator(".intake-apply-main_product button")).to_have_text("입력값 바꾸기")

        page.locator(".intake-apply-all button").click()  # fills blank fields only
        expect(page.locator(".intake-message")).to_contain_text("주요제품")
        expect(page.locator(".field-ksic_code input")).to_have_value("26299")
        expect(page.locator(".field-tech_project textarea")).to_have_value(record.tech_project)
        assert page.locator(".field-main_product textarea").input_value() == "수소 센서 (심사역 입력)"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1400, "height": 2000})
        page.screenshot(path=str(SCREENSHOTS / "intake.png"))
        page.set_viewport_size({"width": 1400, "height": 1000})

        page.locator(".intake-apply-main_product button").click()  # explicit: the proposal replaces the typed value
        expect(page.locator(".field-main_product textarea")).to_have_value(record.main_product)
        edited = record.tech_project + " (2단계)"
        fill_form(page, {"tech_project": edited, "nst_code": "EE0101"})
        expect(page.locator(".intake-missing-codes")).not_to_contain_text("기술분류")
        click_classify(page)
        page.locator(".rec-card").nth(2).wait_for(state="visible")
        page.locator(".decision-input label").filter(has_text="1순위 채택").click()
        page.locator(".examiner-input input").fill("이심사")
        page.locator(".examiner-input input").press("Tab")
        page.locator(".save-button button").click()
        page.get_by_text("저장했습니다").first.wait_for()
        rows = rows_in(store_url)
        assert len(rows) == 1
        row = rows[0]
        assert (row.source_file_name, row.source_file_sha256) == ("사업계획서.pdf",
                                                                  hashlib.sha256(doc.read_bytes()).hexdigest())
        assert (row.main_product, row.tech_project, row.ksic_code) == (record.main_product, edited, "26299")


def test_a_bad_document_shows_its_korean_message_and_keeps_the_form(page: Any, store_url: str,
                                                                    tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from playwright.sync_api import expect

    from workbench.intake.testdocs.write import write_document

    writer = PdfWriter(clone_from=PdfReader(write_document(intake_record(), tmp_path / "plan.pdf", seed=1)))
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "잠긴_계획서.pdf"
    writer.write(locked)
    typed = {"company_name": "(주)입력기업", "main_product": "직접 입력한 제품"}
    with serve_app(lambda: FakeRecommender(), store_url, websocket_max_message_size=WS_MAX_BYTES) as url:
        open_app(page, url)
        fill_form(page, typed)
        upload(page, locked)
        error = page.locator(".intake-error")
        expect(error).to_contain_text("잠긴_계획서.pdf", timeout=60_000)
        expect(error).to_contain_text("암호")
        expect(page.locator(".proposal")).to_have_count(0)
        assert page.locator(".field-company_name input").input_value() == typed["company_name"]
        assert page.locator(".field-main_product textarea").input_value() == typed["main_product"]
