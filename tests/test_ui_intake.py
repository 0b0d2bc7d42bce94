"""Document intake in the app, without a browser: chunked upload within the limits, reading from memory (no file
left behind), proposals applied only as the examiner asks, refusals that keep the screen, and the document's name
and SHA-256 saved with the judgment (and exported). ``tests/test_ui_browser.py`` drives the same in Chromium."""
from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from test_ui_state import VALID, FakeRecommender

from workbench.intake.errors import IntakeError
from workbench.intake.read import MAX_BYTES
from workbench.intake.testdocs.write import write_document
from workbench.schema.record import CompanyRecord
from workbench.store import JudgmentStore, NewJudgment
from workbench.store.export import export_csv
from workbench.ui.intake import DocumentDropper, IntakeView, field_html, missing_codes_html
from workbench.ui.intake_state import CHUNK_BYTES, ChunkedUpload, IntakeState
from workbench.ui.state import ExaminerState, FormState
from workbench.ui.views import judgment_html

DOC_RECORD = CompanyRecord(
    company_name="(주)하이드로젠텍", business_reg_no="2208162517", ceo_name="김대표", ksic_code="26299",
    industry_name="그 외 기타 전자부품 제조업", main_product="PEM 수전해 스택, 수소 농도 센서",
    product_use="그린수소 생산 설비의 수소 농도를 실시간으로 측정한다. 연료전지 차량 충전소의 누출을 감시한다.",
    tech_project="PEM 수전해 기반 수소 생산 효율 향상 기술 개발", nst_code="EE0101")


@pytest.fixture(scope="module")
def docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A generated 사업계획서 (DOCX) that states 업종코드 but not 기술분류 (seed 0)."""
    return write_document(DOC_RECORD, tmp_path_factory.mktemp("doc") / "plan.docx", seed=0).read_bytes()


@pytest.fixture
def store(tmp_path: Path) -> JudgmentStore:
    s = JudgmentStore(f"sqlite:///{tmp_path / 'judgments.sqlite3'}")
    yield s
    s.close()


def chunks(data: bytes, size: int) -> list[tuple[int, int, bytes]]:
    """(chunk, total, data) as Panel's FileDropper sends them (ceil((n + 1) / size) chunks)."""
    total = (len(data) + 1 + size - 1) // size
    return [(i + 1, total, data[i * size:(i + 1) * size]) for i in range(total)]


# --------------------------------------------------------------------------- chunked upload


def test_chunks_are_assembled_in_order() -> None:
    upload, data = ChunkedUpload(chunk_bytes=1000), bytes(range(256)) * 20
    parts = chunks(data, 1000)
    assert len(parts) == 6 and all(upload.add("a.pdf", c, t, d) is None for c, t, d in parts[:-1])
    assert upload.add("a.pdf", *parts[-1]) == data
    assert upload.add("a.pdf", 2, 6, b"x") is None  # a late chunk of the finished file is dropped


def test_a_file_over_200_mb_is_refused_at_its_first_chunk_and_its_rest_dropped() -> None:
    upload = ChunkedUpload()
    total = MAX_BYTES // CHUNK_BYTES + 2  # at least 200 MB + one chunk
    with pytest.raises(IntakeError) as info:
        upload.add("big.pdf", 1, total, b"%PDF" + bytes(CHUNK_BYTES - 4))
    assert info.value.kind == "too_large" and "200 MB" in info.value.message_ko
    assert all(upload.add("big.pdf", c, total, bytes(CHUNK_BYTES)) is None for c in (2, 3, total))
    assert upload.add("next.pdf", 1, 1, b"%PDF-1.7") == b"%PDF-1.7"  # the next file is read as usual


def test_a_file_just_over_200_mb_is_refused_when_its_last_byte_arrives() -> None:
    upload, block = ChunkedUpload(), bytes(CHUNK_BYTES)
    total = MAX_BYTES // CHUNK_BYTES + 1  # 200 MB and one byte: the chunk count alone does not show it
    for chunk in range(1, total):
        assert upload.add("big.hwp", chunk, total, block) is None
    with pytest.raises(IntakeError) as info:
        upload.add("big.hwp", total, total, b"x")
    assert info.value.kind == "too_large"


def test_out_of_order_oversized_or_foreign_chunks_are_an_interrupted_upload() -> None:
    upload = ChunkedUpload(chunk_bytes=10)
    upload.add("a.pdf", 1, 3, b"0123456789")
    with pytest.raises(IntakeError, match="interrupted"):
        upload.add("a.pdf", 3, 3, b"x")
    assert upload.add("a.pdf", 2, 3, b"x") is None  # the rest of the broken upload is dropped quietly
    upload.add("a.pdf", 1, 3, b"0123456789")
    with pytest.raises(IntakeError, match="interrupted"):
        upload.add("a.pdf", 2, 3, b"01234567890")  # larger than a chunk
    upload.add("a.pdf", 1, 3, b"0123456789")
    with pytest.raises(IntakeError, match="interrupted"):
        upload.add("b.pdf", 2, 3, b"x")  # another file's chunk in the middle
    with pytest.raises(IntakeError) as info:
        upload.add("empty.pdf", 1, 1, b"")
    assert info.value.kind == "empty"


def test_the_dropper_hands_over_whole_files_and_refusals_and_keeps_nothing(docx: bytes) -> None:
    received: list[tuple[str, bytes]] = []
    refused: list[tuple[str, str]] = []
    dropper = DocumentDropper(on_file=lambda n, d: received.append((n, d)),
                              on_refused=lambda n, e: refused.append((n, e.kind)))
    assert dropper.chunk_size == CHUNK_BYTES and CHUNK_BYTES <= 1024 * 1024 * 3 // 4  # base64 of it < 1 MiB

    def send(name: str, chunk: int, total: int, data: bytes) -> None:
        dropper._process_event(SimpleNamespace(event_name="upload_event", data={
            "name": name, "chunk": chunk, "total_chunks": total, "data": data, "type": ""}))

    big = docx + bytes(2 * CHUNK_BYTES)
    for part in chunks(big, CHUNK_BYTES):
        send("plan.docx", *part)
    send("huge.pdf", 1, MAX_BYTES // CHUNK_BYTES + 5, b"%PDF")
    assert received == [("plan.docx", big)] and refused == [("huge.pdf", "too_large")]
    assert dropper.value == {}  # Panel's own copy of the file is never made


# --------------------------------------------------------------------------- reading and applying


def test_an_uploaded_document_is_read_from_memory_and_leaves_no_file(docx: bytes, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    intake = IntakeState(form=FormState())
    assert intake.receive("사업계획서.docx", docx)
    assert list(tmp_path.iterdir()) == []  # the reader's temporary copy is gone
    assert intake.form.document == ("사업계획서.docx", hashlib.sha256(docx).hexdigest())
    fields = intake.proposal.fields
    assert fields["main_product"].value == DOC_RECORD.main_product and fields["ksic_code"].value == "26299"
    assert fields["tech_project"].sources[0].where.startswith("문단 ")
    assert DOC_RECORD.tech_project in fields["tech_project"].sources[0].text
    assert intake.form.main_product == ""  # nothing is applied until the examiner asks


def test_apply_to_blank_fields_keeps_typed_values_and_says_so(docx: bytes) -> None:
    form = FormState(main_product="수소 센서 (심사역 입력)", tech_project=DOC_RECORD.tech_project)
    intake = IntakeState(form=form)
    intake.receive("plan.docx", docx)
    assert intake.status("main_product") == "differs" and intake.status("tech_project") == "same"
    assert intake.status("nst_code") == "none"  # this document does not state 기술분류
    filled = intake.apply_blank()
    assert filled == ["product_use", "ksic_code", "industry_name"]
    assert form.main_product == "수소 센서 (심사역 입력)"  # typed: kept
    assert form.ksic_code == "26299" and form.industry_name == DOC_RECORD.industry_name
    assert form.product_use.startswith("그린수소 생산 설비")
    assert "주요제품" in intake.message and "입력값 바꾸기" in intake.message
    assert intake.apply("main_product") and form.main_product == DOC_RECORD.main_product  # explicit: replaced
    assert not intake.apply("nst_code") and form.nst_code == ""


def test_a_refused_file_keeps_the_form_and_the_previous_document(docx: bytes) -> None:
    form = FormState(company_name="(주)입력기업", main_product="직접 입력한 제품")
    intake = IntakeState(form=form)
    intake.receive("plan.docx", docx)
    before = (intake.proposal, form.document)
    assert not intake.receive("plan.hwp", b"%PDF-1.7\n" + bytes(100))  # a PDF named .hwp
    assert intake.error.startswith("plan.hwp: 파일 내용이 확장자(.hwp)와 맞지 않습니다")
    assert (intake.proposal, form.document) == before
    assert (form.company_name, form.main_product) == ("(주)입력기업", "직접 입력한 제품")
    intake.refuse("big.pdf", IntakeError("too_large", "파일이 너무 큽니다(300 MB)."))
    assert intake.error == "big.pdf: 파일이 너무 큽니다(300 MB)." and form.document == before[1]
    assert intake.receive("plan.docx", docx) and intake.error == ""  # the next good file clears the message
    intake.remove()
    assert intake.proposal is None and form.document is None and form.main_product == "직접 입력한 제품"


def test_another_companys_registration_number_drops_the_document(docx: bytes) -> None:
    form = FormState(business_reg_no="220-81-62517")
    intake = IntakeState(form=form)
    intake.receive("plan.docx", docx)
    form.business_reg_no = "2208162517"  # the same number, written without hyphens: the same company
    assert form.document is not None
    form.business_reg_no = "1058712345"  # the next company typed over the last one
    assert form.document is None and intake.proposal is None and "plan.docx" in intake.message
    form.business_reg_no = ""
    intake.receive("plan.docx", docx)
    form.business_reg_no = "1058712345"  # typed after the upload, into an empty box: the document stays
    assert form.document is not None


def test_a_reader_crash_is_a_korean_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import workbench.ui.intake_state as module

    def boom(*_a: Any) -> None:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(module, "propose", boom)
    intake = IntakeState(form=FormState())
    assert not intake.receive("x.pdf", b"%PDF-1.7")
    assert "예기치 않은 오류" in intake.error and intake.form.document is None


def test_proposals_and_sources_are_escaped(docx: bytes) -> None:
    intake = IntakeState(form=FormState())
    intake.receive("plan.docx", docx)
    found = intake.proposal.fields["main_product"]
    found.value = "<script>alert(1)</script>"
    html = field_html(intake.proposal, "<b>typed</b>", "main_product")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;typed&lt;/b&gt;" in html
    assert "현재 입력값" in html and "문단 " in html
    assert field_html(intake.proposal, "", "nst_code") == ""


def test_a_proposal_from_the_fallback_tells_the_examiner_to_check_it(tmp_path: Path) -> None:
    plan = write_document(DOC_RECORD, tmp_path / "plan.hwp", seed=0, wording="unseen").read_bytes()
    intake = IntakeState(form=FormState())
    intake.receive("plan.hwp", plan)
    html = field_html(intake.proposal, "", "main_product")
    assert "품목 정의와 가장 가까운 본문 문장 (단원을 찾지 못함)" in html and "문단 " in html


def test_codes_the_document_does_not_state_are_asked_for_until_typed(docx: bytes) -> None:
    intake = IntakeState(form=FormState())
    view = IntakeView(intake=intake)
    assert missing_codes_html(None, "", "") == "" and view.missing_codes.object == ""
    intake.receive("plan.docx", docx)  # states 업종코드, not 기술분류
    assert "ksic_code" in intake.proposal.fields and "nst_code" not in intake.proposal.fields
    assert "문서에 기술분류가 없습니다" in view.missing_codes.object
    intake.form.nst_code = "EE0101"
    assert view.missing_codes.object == ""
    without = dataclasses.replace(intake.proposal, fields={})
    assert "업종코드·기술분류가 없습니다" in missing_codes_html(without, " ", "")
    assert "기술분류" not in missing_codes_html(without, "", "EE0101")


def test_the_view_shows_a_row_and_a_button_per_proposed_field(docx: bytes) -> None:
    intake = IntakeState(form=FormState(main_product="직접 입력"))
    view = IntakeView(intake=intake)
    assert not any(row.visible for row in view.rows)
    intake.receive("plan.docx", docx)
    shown = {name: row for name, row in zip(("main_product", "product_use", "tech_project", "ksic_code",
                                             "industry_name", "nst_code"), view.rows, strict=True) if row.visible}
    assert set(shown) == set(intake.proposal.fields)
    assert shown["main_product"][1].label == "입력값 바꾸기" and shown["tech_project"][1].label == "제안 적용"
    shown["tech_project"][1].clicks += 1
    assert intake.form.tech_project == DOC_RECORD.tech_project and shown["tech_project"][1].label == "적용됨"


# --------------------------------------------------------------------------- saved with the judgment


def test_the_document_name_and_hash_are_saved_with_the_judgment_and_exported(docx: bytes,
                                                                            store: JudgmentStore) -> None:
    fake = FakeRecommender()
    state = ExaminerState(recommender=lambda: fake, store=lambda: store, examiner="이심사")
    intake = IntakeState(form=state.form)
    intake.receive("사업계획서.docx", docx)
    intake.apply_blank()
    state.form.param.update(company_name=VALID["company_name"], business_reg_no=VALID["business_reg_no"],
                            ceo_name=VALID["ceo_name"], nst_code="EE0101")
    assert state.classify()
    intake.remove()  # what the result was judged from is saved, whatever happens on the input screen later
    state.decision = "accept:1"
    assert state.save()
    row = store.list()[0]
    assert (row.source_file_name, row.source_file_sha256) == ("사업계획서.docx", hashlib.sha256(docx).hexdigest())
    assert row.main_product == DOC_RECORD.main_product
    assert f"사업계획서.docx <span class=\"muted\">SHA-256 {row.source_file_sha256}" in judgment_html(row)
    buffer = io.BytesIO()
    export_csv([row], buffer)
    frame = pd.read_csv(io.BytesIO(buffer.getvalue()), encoding="utf-8-sig", dtype=str)
    assert frame.loc[0, "원본 문서 파일명"] == "사업계획서.docx" and len(frame.loc[0, "원본 문서 SHA-256"]) == 64

    state.reclassify()  # typed by hand: no document
    state.form.product_use = "수소 농도 측정 (직접 입력)"
    assert state.classify()
    state.decision = "accept:1"
    assert state.save() and store.list()[0].source_file_name is None


def test_the_store_refuses_half_a_document_or_a_malformed_hash() -> None:
    common = dict(examiner="이", idempotency_key="k", company_name="기업", business_reg_no="2208162517",
                  ceo_name="김", base_date=pd.Timestamp("2026-12-05").date(), decision_type="none",
                  taxonomy_revision="6", model_id="m", encoder_id="e", model_version="m", app_version="0")
    with pytest.raises(ValueError, match="together"):
        NewJudgment(**common, source_file_name="a.pdf")
    with pytest.raises(ValueError, match="hex"):
        NewJudgment(**common, source_file_name="a.pdf", source_file_sha256="ABC")
    assert NewJudgment(**common, source_file_name="a.pdf", source_file_sha256="0" * 64).source_file_name == "a.pdf"
