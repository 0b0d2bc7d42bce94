"""Document intake: each format is read with positions, fields are proposed with their sources, bad files get a
specific Korean message, and the CLI prints the proposal."""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import olefile
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.config import SYNTH_DIR
from workbench.intake.errors import IntakeError
from workbench.intake.propose import SCORED_USE, Proposer, propose
from workbench.intake.scoring import definition_likeness, product_likeness, split_sentences
from workbench.intake.read import MAX_BYTES, read_document
from workbench.intake.testdocs.cfb import compound_file
from workbench.intake.testdocs.content import SpecBuilder
from workbench.intake.testdocs.write import FORMATS, WORDINGS, write_document
from workbench.schema.ingest import read_records
from workbench.schema.record import CompanyRecord


@pytest.fixture(scope="module")
def records():
    return read_records(SYNTH_DIR / "synthetic_test.csv", require_label=True).records[:6]


@pytest.fixture(scope="module")
def documents(records, tmp_path_factory):
    """(record, spec seed, path) for three records in each of the four formats."""
    folder = tmp_path_factory.mktemp("docs")
    return [(r, i, write_document(r, folder / f"{i}.{fmt}", seed=i)) for i, r in enumerate(records[:3]) for fmt in FORMATS]


def stated(record, seed: int) -> str:
    return "\n".join(b.text + " ".join(" ".join(row) for row in b.rows) for b in SpecBuilder(record, seed).build().blocks)


def test_every_format_gives_the_typed_product_and_project_with_their_source(documents):
    for record, _, path in documents:
        p = propose(path)
        assert p.fields["main_product"].value == record.main_product, path.name
        assert p.fields["main_product"].how != "scored" and p.fields["product_use"].how != "scored"
        assert p.fields["tech_project"].value == record.tech_project, path.name
        assert record.product_use.split(". ")[0] in p.fields["product_use"].value, path.name
        source = p.fields["tech_project"].sources[0]
        assert record.tech_project in source.text
        assert source.where.startswith("p." if path.suffix == ".pdf" else "문단 "), source.where


def test_codes_are_proposed_exactly_when_the_document_states_them(documents):
    for record, seed, path in documents:
        fields = propose(path).fields
        text = stated(record, seed)
        assert ("ksic_code" in fields) == (record.ksic_code in text), path.name
        assert ("nst_code" in fields) == (record.nst_code in text), path.name
        if "ksic_code" in fields:
            assert fields["ksic_code"].value == record.ksic_code and fields["industry_name"].value == record.industry_name


HELD_OUT_WORDINGS = ("unseen", "brochure")


@pytest.fixture(scope="module", params=HELD_OUT_WORDINGS)
def unseen_documents(request, records, tmp_path_factory):
    """(record, spec seed, path, wording) for three records worded as the rules were never written for (DOCX, PDF,
    HWP), in each held-out wording."""
    folder = tmp_path_factory.mktemp(request.param)
    return [(r, i, write_document(r, folder / f"{i}.{fmt}", seed=i, wording=request.param), request.param)
            for i, r in enumerate(records[:3]) for fmt in ("docx", "pdf", "hwp")]


def test_unseen_wording_is_not_known_to_the_rules(unseen_documents, monkeypatch):
    monkeypatch.setattr(Proposer, "scored", lambda self: None)
    for _, _, path, _ in unseen_documents:
        assert not {"main_product", "product_use"} & set(propose(path).fields), path.name


def test_unseen_wording_gets_the_product_sentences_that_read_like_definitions(unseen_documents):
    for record, seed, path, wording in unseen_documents:
        fields = propose(path).fields
        main, use = fields["main_product"], fields["product_use"]
        assert main.how == use.how == "scored" and len(use.sources) == SCORED_USE, path.name
        assert main.value in " ".join(main.sources[0].text.split())
        assert main.sources[0].where.startswith("p." if path.suffix == ".pdf" else "문단 ")
        picked = " ".join(s.text for s in main.sources + use.sources)
        # the record's own product-use sentences are among the picks; headings (unknown wording) never are
        assert any(u.strip(" .") in picked for u in record.product_use.split(". ")), path.name
        headings = {b.text for b in WORDINGS[wording](record, seed).build().blocks if b.kind == "heading"}
        assert not any(h in picked for h in headings), path.name


def test_the_fallback_prefers_the_product_to_the_business_plan_facts_around_it():
    """A market sentence can share more of the definitions' wording than the product sentence ('스마트팩토리'); the
    business-plan topic it names ('시장') ranks it below the product, so the product becomes 주요제품."""
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    market = "스마트팩토리 시장은 제조 공정의 자동화와 함께 커지고 있습니다."
    product = "공정 데이터를 실시간으로 수집해 설비 고장을 예측합니다."
    assert definition_likeness([market])[0] > definition_likeness([product])[0]
    assert product_likeness([market])[0] < product_likeness([product])[0]
    texts = ["1. 우리가 보는 기회", market, "2. 해법", product]
    fields = propose_document(Document("plan.docx", "docx", [Paragraph(t, i + 1) for i, t in enumerate(texts)])).fields
    assert fields["main_product"].value == product.rstrip(".") and fields["main_product"].how == "scored"
    assert fields["product_use"].value == market


def test_a_documents_title_opens_no_product_section():
    """'(주)OO 제품소개서' names the document; were it a product heading, the company overview under it would be
    proposed as 주요제품 ('Chapter 1 About Us') and 제품용도 (the company's vision)."""
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    product = "당사는 외피 일체형 고성능 샌드위치 패널로 건물의 냉난방 에너지를 줄입니다."
    texts = ["(주)온새인더스트리 제품소개서", "Chapter 1 About Us", "우리의 목표는 세계 시장에서 인정받는 강소기업이다.",
             "Chapter 3 Our Solution", product]
    fields = propose_document(Document("deck.docx", "docx", [Paragraph(t, i + 1) for i, t in enumerate(texts)])).fields
    assert fields["main_product"].value == product.rstrip(".") and fields["main_product"].how == "scored"
    assert "Chapter 1" not in fields["product_use"].value
    # after the first heading such a line is text: a test report listed under the product does not end its section
    texts = ["주요 제품", "스마트 가스 센서 모듈", "공인 시험 보고서", "수소 누출을 1초 안에 감지합니다."]
    fields = propose_document(Document("plan.docx", "docx", [Paragraph(t, i + 1) for i, t in enumerate(texts)])).fields
    assert fields["main_product"].value == "스마트 가스 센서 모듈"
    assert fields["product_use"].value.endswith("수소 누출을 1초 안에 감지합니다.")


def test_proposals_leave_out_list_bullets_but_keep_a_leading_minus():
    """A deck's bullets ('• ', '✔ ', '- ') are layout, not part of the product or its use; '-20℃' is a value."""
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    fallback = ["1. 우리가 보는 기회", "✔ 공정 데이터를 실시간으로 수집해 설비 고장을 예측합니다.",
                "• 스마트팩토리 현장의 설비 진동을 분석합니다. - 정비 일정을 자동으로 제안합니다."]
    fields = propose_document(Document("deck.docx", "docx", [Paragraph(t, i + 1) for i, t in enumerate(fallback)])).fields
    main, use = fields["main_product"].value, fields["product_use"].value
    picked = f"{main}. {use}"
    assert "공정 데이터를 실시간으로 수집해 설비 고장을 예측합니다" in picked and "정비 일정을 자동으로 제안합니다" in picked
    assert not any(glyph in picked for glyph in "✔•-")
    rules = ["제품 용도", "▶ 수소 농도를 감지합니다.", "-20℃에서도 동작합니다."]
    fields = propose_document(Document("plan.docx", "docx", [Paragraph(t, i + 1) for i, t in enumerate(rules)])).fields
    assert fields["product_use"].value == "수소 농도를 감지합니다. -20℃에서도 동작합니다."


def test_heading_like_lines_are_not_sentences():
    assert split_sentences("[3] R&D 로드맵 및 사업화 전략") == split_sentences("팀 구성 (Team)") == []
    assert split_sentences("구분 기업명. 당사는 이차전지 양극재를 생산합니다.") == ["당사는 이차전지 양극재를 생산합니다."]


def test_form_rows_with_merged_cells_or_several_labels_are_read():
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    rows = [("주요제품", "", "수소 농도 센서"), ("업종코드", "26299", "기술분류", "EE0101"),
            ("주요 제품", "구분", "제품용도", "현황")]  # the last: a product table's header row, not values
    doc = Document("form.hwpx", "hwpx", [Paragraph(" | ".join(r), i + 1, None, r) for i, r in enumerate(rows)])
    fields = {k: v.value for k, v in propose_document(doc).fields.items()}
    assert fields["main_product"] == "수소 농도 센서" and "product_use" not in fields
    assert fields["ksic_code"] == "26299" and fields["nst_code"] == "EE0101"


def test_an_industry_stated_by_its_ksic_name_gives_the_name_and_its_one_code():
    """Plans often state 업종 in words: a subclass name gives its code, a group name (several subclasses) only the
    name, and a value that is no KSIC name (a table's next header) nothing."""
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    def fields(*rows: tuple[str, ...]) -> dict[str, tuple[str, str]]:
        doc = Document("plan.docx", "docx", [Paragraph(" | ".join(r), i + 1, None, r) for i, r in enumerate(rows)])
        return {k: (v.value, v.how) for k, v in propose_document(doc).fields.items()}

    assert fields(("업종", "응용 소프트웨어 개발 및 공급업")) == {
        "ksic_code": ("58222", "name"), "industry_name": ("응용 소프트웨어 개발 및 공급업", "label")}
    assert fields(("업종명", "그 외 기타 전자부품 제조업"))["ksic_code"] == ("26299", "name")
    assert fields(("주업종", "소프트웨어 개발 및 공급업")) == {"industry_name": ("소프트웨어 개발 및 공급업", "label")}
    assert fields(("업종", "매출액")) == {}
    assert fields(("업종코드", "58222"), ("업종명", "그 외 기타 전자부품 제조업"))["ksic_code"] == ("58222", "label")


def test_running_headers_and_footers_are_not_paragraphs(documents):
    for record, seed, path in documents:
        spec = SpecBuilder(record, seed).build()
        texts = [p.text for p in read_document(path).paragraphs]
        assert spec.header not in texts and spec.footer not in texts, path.name
        assert not any(re.search(r"- \d+ -$", t) for t in texts), path.name  # the PDF footer's page number


def test_product_list_table_rows_keep_their_cells(documents):
    record, _, path = next(d for d in documents if d[2].suffix == ".hwp")
    rows = [p.cells for p in read_document(path).paragraphs if p.cells]
    first_product = record.main_product.split(",")[0].strip()
    assert any(cells[0] == first_product for cells in rows)


def test_hwpx_cell_and_text_box_paragraphs_stay_apart(tmp_path):
    """As Hancom writes them (checked on public HWPX files): a text box inside a paragraph and a table cell with
    two paragraphs, each paragraph in its own ``subList``."""
    def p(*runs: str) -> str:
        return f"<hp:p><hp:run>{''.join(runs)}</hp:run></hp:p>"

    def sub(*paragraphs: str) -> str:
        return f"<hp:subList>{''.join(paragraphs)}</hp:subList>"

    t = "<hp:t>{}</hp:t>".format
    box = f"<hp:rect><hp:drawText>{sub(p(t('글상자 문장입니다.')))}</hp:drawText></hp:rect>"
    row = f"<hp:tr><hp:tc>{sub(p(t('제품A')), p(t('제품B')))}</hp:tc><hp:tc>{sub(p(t('양산')))}</hp:tc></hp:tr>"
    section = ('<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
               'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph">'
               f"{p(t('본문 앞.'), box, t('본문 뒤.'))}{p(f'<hp:tbl>{row}</hp:tbl>')}</hs:sec>")
    with zipfile.ZipFile(tmp_path / "plan.hwpx", "w") as zf:
        zf.writestr("mimetype", "application/hwp+zip")
        zf.writestr("Contents/section0.xml", section)
    paragraphs = read_document(tmp_path / "plan.hwpx").paragraphs
    assert paragraphs[0].text == "본문 앞. 글상자 문장입니다. 본문 뒤."
    assert paragraphs[1].cells == ("제품A 제품B", "양산")


def test_a_form_item_name_is_the_product_and_its_guidance_is_no_value():
    """The K-Startup 사업계획서 forms: '창업아이템명 | OO기술이 적용된 …' left as the form gives it, then '아이템명 | … |
    범 주 | …' filled in; a row with two known labels stays a header row."""
    from workbench.intake.document import Document, Paragraph
    from workbench.intake.propose import propose_document

    rows = [("창업아이템명", "OO기술이 적용된 OO기능의 OO제품·서비스 등"), ("아이템 개요", "※ 제품·서비스 개요(핵심 기능·성능 등)"),
            ("아이템명", "협동로봇 비전 검사 모듈", "범 주", "로봇 부품"), ("주요제품", "기술사업명")]
    doc = Document("form.docx", "docx", [Paragraph(" | ".join(r), i + 1, None, r) for i, r in enumerate(rows)])
    fields = propose_document(doc).fields
    assert (fields["main_product"].value, fields["main_product"].how) == ("협동로봇 비전 검사 모듈", "label")
    assert "product_use" not in fields and "tech_project" not in fields


def test_docx_text_in_nested_tables_content_controls_text_boxes_and_fields_is_read(tmp_path):
    """As Word writes them (seen in public Korean DOCX files: the official K-Startup form holds its 아이템명 box in a
    nested table, a cover page in content controls, titles in text boxes written twice — DrawingML and a VML
    fallback — and figure numbers in fields); two cells with the same value are two cells."""
    import docx
    from docx.oxml import parse_xml

    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')

    def box(text: str) -> str:
        return f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"

    document = docx.Document()
    body = document.element.body
    body.append(parse_xml(f'<w:sdt {ns}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>표지 제목 사업계획서</w:t></w:r></w:p>'
                          f'</w:sdtContent></w:sdt>'))
    body.append(parse_xml(f'<w:p {ns}><w:r><mc:AlternateContent><mc:Choice Requires="wps">{box("글상자 제목")}'
                          f'</mc:Choice><mc:Fallback>{box("글상자 제목")}</mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    body.append(parse_xml(f'<w:p {ns}><w:r><w:t xml:space="preserve">그림 </w:t></w:r><w:fldSimple w:instr="SEQ 그림">'
                          f'<w:r><w:t>1</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve"> 제품 사진</w:t></w:r>'
                          f'<w:del><w:r><w:delText>지운 글</w:delText></w:r></w:del></w:p>'))
    row = document.add_table(rows=1, cols=4).rows[0].cells
    row[0].text, row[2].text = "아이템명", "범 주"
    row[1].add_table(rows=1, cols=1).cell(0, 0).text = "협동로봇 비전 검사 모듈"
    row[3].add_table(rows=1, cols=1).cell(0, 0).text = "로봇 부품"
    budget = document.add_table(rows=1, cols=3).rows[0].cells
    budget[0].text, budget[1].text, budget[2].text = "사업비", "00백만원", "00백만원"
    path = tmp_path / "form.docx"
    document.save(str(path))
    texts = [p.text for p in read_document(path).paragraphs]
    for wanted in ("표지 제목 사업계획서", "그림 1 제품 사진", "아이템명 | 협동로봇 비전 검사 모듈 | 범 주 | 로봇 부품",
                   "사업비 | 00백만원 | 00백만원"):
        assert wanted in texts, wanted
    assert texts.count("글상자 제목") == 1 and not any("지운 글" in t for t in texts)
    assert propose(path).fields["main_product"].value == "협동로봇 비전 검사 모듈"


def stretched(words: list[str], width: int, indent: int = 7) -> str:
    """A justified line in layout text: the words spread to ``width`` columns by runs of spaces."""
    gaps, extra = divmod(width - indent - sum(map(len, words)), len(words) - 1)
    return " " * indent + "".join(w + " " * (gaps + (i < extra)) for i, w in enumerate(words[:-1])) + words[-1]


def test_pdf_layout_of_word_and_hancom_files_is_undone(documents, monkeypatch):
    """What the layout text of public Korean PDFs written by Word and Hancom Office looks like: justified lines with
    every word gap stretched (and a blank line between lines), and headers and footers indented differently on each
    page. Tables stay tables: a row of phrases, a row of figures, a cell wrapped onto a line of its own."""
    from workbench.intake import pdf_reader

    first = "본 프로젝트는 현 영상 플랫폼의 미성년자 시청 불가 영상에 대한 검열 시스템의 단점을".split()
    second = "보완한 시스템을 개발하는 것을 목표로 한다. 현재 영상 검열 시스템은 사용자의 신고 혹은 운영자의".split()

    def page(k: int) -> list[str]:
        body = ["1   사업 신청은 어떻게 하나요?", "",
                stretched(first, 96), "", stretched(second, 96), "", "       모니터링을 통한 수동 검열로 이루어진다.", "",
                "   체외진단 의료기기 (국가과학기술표준분류 EE1206)", "",
                "   제품명            용도                 매출 비중",
                "   비전   검사   모듈   세트",
                "   [VS-100]          외관 결함 검사        60%",
                "   사업비     00백만원     00백만원     00백만원", ""] if k == 0 else [f"{'가나다라마바사아자차'[k]}장의 본문.", ""]
        return [" " * (12 + k % 3) + "국민대학교" + " " * (40 + k % 2) + "개발   계획서", "", *body,
                " " * (5 + k % 4) + f"캡스톤 디자인   I     Page {k + 1} of 9"]

    monkeypatch.setattr(pdf_reader, "pdf_pages", lambda path: [page(k) for k in range(9)])
    paragraphs = read_document(next(d[2] for d in documents if d[2].suffix == ".pdf")).paragraphs
    texts = [p.text for p in paragraphs]
    assert f"{' '.join(first + second)} 모니터링을 통한 수동 검열로 이루어진다." in texts
    assert "1 사업 신청은 어떻게 하나요?" in texts and "체외진단 의료기기 (국가과학기술표준분류 EE1206)" in texts
    assert not any("모듈 세트" in p.text for p in paragraphs if not p.cells)  # a wrapped cell between rows
    assert not any("국민대학교" in t or "캡스톤" in t for t in texts)
    rows = [p.cells for p in paragraphs if p.cells]
    assert ("제품명", "용도", "매출 비중") in rows and ("사업비", "00백만원", "00백만원", "00백만원") in rows


def chars_of(text: str, x: float, y: float, size: float = 10.0, advance: float = 1.0, drawn_spaces: bool = True):
    """Characters as PDFium reports them, each ``advance`` font sizes wide; a space leaves 0.3 of a font size, and is
    drawn (or put in by PDFium) unless ``drawn_spaces`` is false."""
    from workbench.intake.pdf_text import Char

    out = []
    for ch in text:
        if ch == " ":
            out[-1].space_after = drawn_spaces
            x += 0.3 * size
        else:
            out.append(Char(ch, x, y, x + advance * size, size))
            x += advance * size
    return out


def test_pdf_characters_become_lines_words_and_columns():
    """Real files the layout text is made from: Hancom draws a bold run twice at the same place (read once); a table
    label centred beside a cell of two lines belongs to its first line; a wide gap is a column; boxes wider than the
    advance with no space drawn (Aspose writes so) still leave the word gaps; blank lines where lines of space are
    left."""
    from workbench.intake.pdf_text import page_text

    bold = chars_of("사업 신청은 어떻게", 50, 700)
    twice = bold + [replace(c, x=c.x + 0.4, right=c.right + 0.4) for c in bold]  # the run again, 0.4 pt on
    label = chars_of("주업종", 50, 665)
    cell = chars_of("KSIC 87122 기타 연구", 200, 670) + chars_of("개발업", 200, 658)
    wide = [replace(c, right=c.right + 2) for c in chars_of("코스피는 상승하였습니다", 50, 620, drawn_spaces=False)]
    lines = page_text(twice + label + cell + wide, space_em=0.3)
    assert [[c.strip() for c in re.split(r"\s{3,}", ln.strip())] for ln in lines] == [
        ["사업 신청은 어떻게"], [""], [""], ["주업종", "KSIC 87122 기타 연구"], ["개발업"], [""], [""], ["코스피는 상승하였습니다"]]


def test_a_heading_in_larger_type_is_set_apart_from_its_text():
    """A heading set close above its text ends its paragraph (it ran into the first sentence, so the section's heading
    was lost for the proposal); a row of cells in larger type is not taken for a heading."""
    from workbench.intake.pdf_text import page_text

    heading = chars_of("주요 제품", 50, 700, size=14)
    text = chars_of("당사는 코팅 장비를 만듭니다.", 50, 685)
    row = chars_of("구분", 50, 640, size=14) + chars_of("내용", 200, 640, size=14)
    below = chars_of("매출 계획", 50, 625)
    lines = [re.split(r"\s{3,}", ln.strip()) for ln in page_text(heading + text + row + below, space_em=0.3)]
    assert lines == [["주요 제품"], [""], ["당사는 코팅 장비를 만듭니다."], [""], [""], ["구분", "내용"], ["매출 계획"]]


def test_columns_are_read_down_only_where_the_file_goes_down_them():
    """The same page geometry — two blocks of three lines side by side — is two columns when the file draws the left
    block and then the right one, and three table rows when it draws each line's left cell and then its right one."""
    from workbench.intake.pdf_text import page_text

    left = ["분리막 코팅 장비를 설계하고", "국내외 전지 제조사에 공급합니다", "코팅 두께는 센서로 측정합니다"]
    right = ["두께 편차가 기준을 넘으면", "도포량을 자동으로 보정합니다", "불량률은 절반 이하입니다"]

    def page(file_order: list[tuple[int, int]]) -> list[str]:
        chars = []
        for k, side in file_order:  # line k's left (0) or right (1) part, in the order the file draws them
            drawn = chars_of((left, right)[side][k], (50, 230)[side], 700 - 14 * k)
            start = chars[-1].order + 2 if chars else 0  # PDFium puts a line end between two runs of text
            chars += [replace(c, order=start + n) for n, c in enumerate(drawn)]
        return [ln.strip() for ln in page_text(chars, space_em=0.3)]

    assert page([(k, side) for side in (0, 1) for k in range(3)]) == left + right
    rows = page([(k, side) for k in range(3) for side in (0, 1)])
    assert [re.split(r"\s{3,}", ln) for ln in rows] == [[a, b] for a, b in zip(left, right)]


TWO_COLUMN_SENTENCES = [
    "당사는 이차전지 분리막 코팅 장비를 설계하고 제조하는 기업으로 국내외 전지 제조사에 설비를 공급하고 있습니다.",
    "주력 제품인 롤투롤 세라믹 코팅기는 분당 팔십 미터의 속도로 분리막 양면에 균일한 코팅층을 형성합니다.",
    "코팅 두께는 실시간 광학 센서로 측정되며 편차가 기준을 넘으면 도포량을 자동으로 보정합니다.",
    "이 장비는 전기차용 파우치형 전지와 원통형 전지의 분리막 공정에 모두 적용할 수 있습니다.",
    "기존 장비 대비 불량률을 절반 이하로 낮추었으며 유지보수 주기도 두 배로 늘렸습니다.",
    "당사는 향후 전고체 전지용 고체 전해질 시트 코팅 설비로 제품군을 넓힐 계획입니다.",
]


def test_a_two_column_page_is_read_column_by_column(tmp_path):
    """A brochure's page in two columns of prose: each column is read down before the next, so its wrapped lines join
    into the sentences they were (read across, each line of the left column ran into the right one and the pair was
    taken for a table row), while the full-width title, justified paragraph, tables and closing line around it are
    read as before (their stretched word gaps and cell gaps line up too, but the file's text runs across them)."""
    from fpdf import FPDF

    from workbench.intake.testdocs.pdf_writer import korean_font

    font, index = korean_font()
    pdf = FPDF()
    pdf.add_font("kr", fname=font, collection_font_number=index)
    pdf.set_font("kr", size=10)
    pdf.add_page()
    pdf.cell(text="제품 소개", new_x="LMARGIN", new_y="NEXT", align="C", w=0)
    pdf.ln(4)
    pdf.multi_cell(0, 6, " ".join(TWO_COLUMN_SENTENCES[:2]), align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(40, 150), first_row_as_headings=False) as table:
        table.row(("주요제품", "롤투롤 세라믹 코팅기, 분리막 두께 측정 센서, 전고체 전해질 시트 코팅기 (시제품)"))
        table.row(("제품용도", "이차전지 분리막 세라믹 코팅 공정의 도포량을 실시간으로 보정합니다"))
    pdf.ln(4)
    with pdf.text_columns(ncols=2, gutter=8, text_align="LEFT", balance=True) as cols:
        cols.write(" ".join(TWO_COLUMN_SENTENCES))
    pdf.set_y(150)
    with pdf.table(col_widths=(30, 50, 40), width=120, first_row_as_headings=False) as table:
        for row in [("구분", "2024년", "2025년"), ("매출액", "1,200백만원", "2,400백만원")]:
            table.row(row)
    pdf.ln(6)
    pdf.cell(text="문의: 영업팀 대표전화로 연락 주십시오.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "columns.pdf"))
    paragraphs = read_document(tmp_path / "columns.pdf").paragraphs
    text = " ".join(p.text for p in paragraphs if not p.cells)
    for sentence in TWO_COLUMN_SENTENCES:
        assert sentence in text
    assert text.index(TWO_COLUMN_SENTENCES[0]) < text.index(TWO_COLUMN_SENTENCES[-1])
    rows = [p.cells for p in paragraphs if p.cells]
    assert ("매출액", "1,200백만원", "2,400백만원") in rows and ("주요제품", "제품용도") == tuple(r[0] for r in rows[:2])
    assert paragraphs[0].text == "제품 소개" and paragraphs[-1].text == "문의: 영업팀 대표전화로 연락 주십시오."
    assert paragraphs[1].text == " ".join(TWO_COLUMN_SENTENCES[:2])  # the justified paragraph


def test_headings_over_two_columns_open_their_own_column(tmp_path):
    """A brochure's two columns, each under its own heading in larger type set side by side: each heading is read at
    the top of its column and opens its section (read across, the two headings made one table row, no section was
    found and '기술 개요' was proposed as 주요제품)."""
    from fpdf import FPDF

    from workbench.intake.sections import sectioned
    from workbench.intake.testdocs.pdf_writer import korean_font

    font, index = korean_font()
    pdf = FPDF()
    pdf.add_font("kr", fname=font, collection_font_number=index)
    pdf.add_page()
    pdf.set_font("kr", size=16)
    pdf.cell(text="회사 소개서", new_x="LMARGIN", new_y="NEXT", align="C", w=0)
    pdf.ln(6)
    with pdf.text_columns(ncols=2, gutter=8, text_align="LEFT", balance=False) as cols:
        for heading, sentences in (("주요 제품", TWO_COLUMN_SENTENCES[:3]), ("기술 개요", TWO_COLUMN_SENTENCES[3:])):
            pdf.set_font("kr", size=13)
            cols.write(heading + "\n")
            cols.ln()
            pdf.set_font("kr", size=10)
            cols.write(" ".join(sentences) + "\n")
            if heading == "주요 제품":
                cols.new_column()
    pdf.output(str(tmp_path / "headed.pdf"))
    paragraphs = read_document(tmp_path / "headed.pdf").paragraphs
    assert not any(p.cells for p in paragraphs)
    assert " ".join(p.text for p in paragraphs) == " ".join(["회사 소개서", "주요 제품", *TWO_COLUMN_SENTENCES[:3], "기술 개요",
                                                            *TWO_COLUMN_SENTENCES[3:]])
    body = sectioned(paragraphs)
    assert [" ".join(p.text for k, p in body if k == kind) for kind in ("product", "technology")] == [
        " ".join(TWO_COLUMN_SENTENCES[:3]), " ".join(TWO_COLUMN_SENTENCES[3:])]


def test_a_short_paragraph_balanced_over_the_pages_columns_is_read_down_them(tmp_path):
    """Balanced over two columns, a paragraph of three lines puts two in the left column and its last line at the top of
    the right one: read across, the pair was taken for two table rows. On a page whose columns are known from a longer
    run, that line opens the right column."""
    from fpdf import FPDF

    from workbench.intake.testdocs.pdf_writer import korean_font

    short = ("당사의 코팅기는 국내 주요 전지 제조사 세 곳의 양산 라인에서 가동되고 있으며 올해 해외 공장 두 곳에 추가로 "
             "납품할 예정입니다.")
    font, index = korean_font()
    pdf = FPDF()
    pdf.add_font("kr", fname=font, collection_font_number=index)
    pdf.set_font("kr", size=10)
    pdf.add_page()
    for text in (" ".join(TWO_COLUMN_SENTENCES), short):
        with pdf.text_columns(ncols=2, gutter=8, text_align="LEFT", balance=True) as cols:
            cols.write(text)
        pdf.ln(6)
    pdf.output(str(tmp_path / "short.pdf"))
    paragraphs = read_document(tmp_path / "short.pdf").paragraphs
    assert not any(p.cells for p in paragraphs) and paragraphs[-1].text == short


def test_a_pdf_page_set_sideways_is_read_along_its_text(tmp_path):
    """A landscape table printed on a portrait page runs up the page: its lines are read along the text (they were
    all dropped as rotated text, and the file refused as a scan), and a label turned against it is left out."""
    from fpdf import FPDF

    from workbench.intake.testdocs.pdf_writer import korean_font

    font, index = korean_font()
    pdf = FPDF()
    pdf.add_font("kr", fname=font, collection_font_number=index)
    pdf.set_font("kr", size=11)
    pdf.add_page()
    with pdf.rotation(90, x=105, y=148):
        for k, line in enumerate(["연도별 매출 계획", "당사의 주력 제품은 협동로봇 비전 검사 모듈입니다.",
                                  "제품은 전자부품 외관 검사 공정에 쓰입니다."]):
            pdf.text(40, 120 + 12 * k, line)
    pdf.text(20, 280, "측면 표기")
    pdf.output(str(tmp_path / "sideways.pdf"))
    texts = [p.text for p in read_document(tmp_path / "sideways.pdf").paragraphs]
    assert "당사의 주력 제품은 협동로봇 비전 검사 모듈입니다." in texts
    assert texts.index("연도별 매출 계획") < texts.index("제품은 전자부품 외관 검사 공정에 쓰입니다.")
    assert not any("측면" in t for t in texts)


def test_control_characters_never_reach_a_paragraph():
    from workbench.intake.document import numbered

    [p] = numbered([("센서\x07 모듈\x00", 1, ("a\x01b", "\x1f")), ("\x05\x06", 1, ())])
    assert (p.text, p.cells) == ("센서 모듈", ("a b", ""))


def test_a_twenty_page_pdf_reports_its_pages(records, tmp_path):
    doc = read_document(write_document(records[0], tmp_path / "long.pdf", seed=1, pages=20))
    assert doc.pages >= 20 and {p.page for p in doc.paragraphs} >= {1, doc.pages - 1}


def refused(path: Path) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        propose(path)
    assert info.value.message_ko and all("가" <= c <= "힣" for c in info.value.message_ko if c.isalpha() and ord(c) > 127)
    return info.value


def test_a_pdf_with_more_than_256_different_characters_reads_back_exactly(tmp_path):
    """fpdf2 embeds its font's code map as a stream; a reader taking such a font byte by byte (pypdf 7.1 did) garbles
    every character past the subset's 256th glyph. 400 different syllables, written and read back."""
    from workbench.intake.testdocs.content import Block, DocSpec
    from workbench.intake.testdocs.pdf_writer import write_pdf

    syllables = [chr(0xAC00 + 7 * k) for k in range(400)]
    texts = [" ".join("".join(syllables[i:i + 40][j:j + 4]) for j in range(0, 40, 4)) + "다." for i in range(0, 400, 40)]
    path = write_pdf(DocSpec("t", "머리말", "꼬리말", [Block("para", t) for t in texts]), tmp_path / "many.pdf")
    read = "".join("".join(p.text.split()) for p in read_document(path).paragraphs)
    assert all("".join(t.split()) in read for t in texts)


def test_encrypted_pdf_is_refused(documents, tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(next(d[2] for d in documents if d[2].suffix == ".pdf")))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(tmp_path / "locked.pdf")
    err = refused(tmp_path / "locked.pdf")
    assert err.kind == "encrypted" and "암호" in err.message_ko


def test_pdf_with_only_an_owner_password_is_read(documents, tmp_path):
    """Print/copy limits with AES, as many company PDFs carry: anyone may open it, so it is read."""
    from pypdf import PdfReader, PdfWriter

    record, _, path = next(d for d in documents if d[2].suffix == ".pdf")
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256", permissions_flag=0)
    writer.write(tmp_path / "limited.pdf")
    assert propose(tmp_path / "limited.pdf").fields["main_product"].value == record.main_product


def test_any_failure_of_the_pdf_parser_is_a_corrupt_file(documents, monkeypatch):
    import pypdfium2

    def broken(*args, **kwargs):
        raise pypdfium2.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pypdfium2, "PdfDocument", broken)
    assert refused(next(d[2] for d in documents if d[2].suffix == ".pdf")).kind == "corrupt"


def test_scanned_pdf_without_text_is_refused(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")  # a page with marks but no text layer
    pdf.output(str(tmp_path / "scan.pdf"))
    err = refused(tmp_path / "scan.pdf")
    assert err.kind == "scanned" and "스캔" in err.message_ko


def test_pdf_whose_font_has_no_unicode_map_is_refused(documents, tmp_path):
    """Such a PDF has a text layer that reads as glyph numbers; proposing from it would fill the form with junk."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(next(d[2] for d in documents if d[2].suffix == ".pdf")))
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font.get_object().pop(NameObject("/ToUnicode"), None)
    writer.write(tmp_path / "nomap.pdf")
    err = refused(tmp_path / "nomap.pdf")
    assert err.kind == "garbled" and "깨져" in err.message_ko


def test_a_text_layer_is_garbled_only_when_it_reads_as_glyph_numbers():
    from workbench.intake.textlayer import garbled

    contents = "Contents\n1 Introduction . . . . . . . . . . . . 5\n2 Method ........................ 9"
    korean = "목 차\n1. 사업 개요 ···················· 3\n※ 주요 제품: 「수소 센서」 (□ 양산, ■ 개발)"
    glyphs = "\x01\x02\x03!\"#$%&'()*+,\x04-./0123|4567|899:;<=>\x08|?@A6BCDE|FGHIJK"
    assert not garbled(contents) and not garbled(korean) and garbled(glyphs)
    assert not garbled(korean + " " + glyphs)  # text with this much Hangul was read, whatever else it holds


def test_corrupt_hwp_is_refused(documents, tmp_path):
    good = next(d[2] for d in documents if d[2].suffix == ".hwp").read_bytes()
    (tmp_path / "cut.hwp").write_bytes(good[: len(good) // 2])
    assert refused(tmp_path / "cut.hwp").kind == "corrupt"
    header = b"HWP Document File".ljust(32, b"\0") + (0x05000300).to_bytes(4, "little") + (1).to_bytes(4, "little")
    (tmp_path / "garbage.hwp").write_bytes(compound_file({("FileHeader",): header.ljust(256, b"\0"),
                                                         ("BodyText", "Section0"): b"\x00not deflate" * 40}))
    err = refused(tmp_path / "garbage.hwp")
    assert err.kind == "corrupt" and "손상" in err.message_ko


@pytest.mark.parametrize("fmt, member", [("docx", "word/document.xml"), ("hwpx", "Contents/section0.xml")])
def test_a_damaged_zip_member_is_a_corrupt_file(documents, tmp_path, fmt, member):
    """Bytes flipped inside the compressed text (zipfile then raised zlib.error, not BadZipFile)."""
    path = next(d[2] for d in documents if d[2].suffix == f".{fmt}")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10:start + 40] = bytes(range(30))
    (tmp_path / f"damaged.{fmt}").write_bytes(bytes(data))
    err = refused(tmp_path / f"damaged.{fmt}")
    assert err.kind == "corrupt" and "손상" in err.message_ko


def test_damaged_files_are_read_or_refused_never_a_crash(documents, tmp_path):
    """Seeded mutations of each format (cut short, bytes flipped or zeroed): every one is read or refused."""
    import random

    rng = random.Random(0)
    for _, _, path in documents[:4]:
        good = path.read_bytes()
        for k in range(20):
            data = bytearray(good[: rng.randrange(1, len(good))] if k % 3 == 0 else good)
            for _ in range(0 if k % 3 == 0 else rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256) if k % 3 == 1 else 0
            (tmp_path / path.name).write_bytes(bytes(data))
            try:
                read_document(tmp_path / path.name)
            except IntakeError as err:
                assert err.message_ko


def test_a_docx_that_unpacks_beyond_the_limit_is_refused_before_loading(documents, tmp_path, monkeypatch):
    import workbench.intake.docx_reader as docx_reader

    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 2**20)
    path = tmp_path / "bomb.docx"
    path.write_bytes(next(d[2] for d in documents if d[2].suffix == ".docx").read_bytes())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/media/filler.bin", bytes(2 * 2**20))  # 2 MB of zeros, a few KB packed
    err = refused(path)
    assert err.kind == "too_large" and "압축을 풀면" in err.message_ko


def test_other_ole_files_and_password_hwp_are_named(tmp_path):
    (tmp_path / "old.hwp").write_bytes(compound_file({("WordDocument",): b"x" * 600}))
    err = refused(tmp_path / "old.hwp")
    assert err.kind == "mismatch" and "구형 Office(OLE)" in err.message_ko
    locked = compound_file({("EncryptionInfo",): b"\x04\x00\x04\x00" + b"x" * 200, ("EncryptedPackage",): b"y" * 5000})
    (tmp_path / "locked.docx").write_bytes(locked)  # a password-protected Word file is an OLE container
    err = refused(tmp_path / "locked.docx")
    assert err.kind == "encrypted" and "Word(DOCX)" in err.message_ko
    (tmp_path / "locked.pdf").write_bytes(locked)
    assert "암호가 걸린 Office" in refused(tmp_path / "locked.pdf").message_ko
    header = b"HWP Document File".ljust(32, b"\0") + (0x05000300).to_bytes(4, "little") + (3).to_bytes(4, "little")
    (tmp_path / "locked.hwp").write_bytes(compound_file({("FileHeader",): header.ljust(256, b"\0")}))
    assert refused(tmp_path / "locked.hwp").kind == "encrypted"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.pdf"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no disk used, never read
    err = refused(big)
    assert err.kind == "too_large" and "200 MB" in err.message_ko


def test_content_that_is_not_what_the_extension_says_is_refused(documents, tmp_path):
    pdf = next(d[2] for d in documents if d[2].suffix == ".pdf")
    (tmp_path / "plan.hwp").write_bytes(pdf.read_bytes())
    err = refused(tmp_path / "plan.hwp")
    assert err.kind == "mismatch" and "PDF" in err.message_ko
    docx = next(d[2] for d in documents if d[2].suffix == ".docx")
    (tmp_path / "plan.hwpx").write_bytes(docx.read_bytes())
    assert "DOCX" in refused(tmp_path / "plan.hwpx").message_ko
    (tmp_path / "plan.txt").write_text("주요제품: 양극재", encoding="utf-8")
    assert refused(tmp_path / "plan.txt").kind == "unsupported"


def test_compound_file_writer_is_read_back_by_olefile():
    streams = {("FileHeader",): b"h" * 256, ("BodyText", "Section0"): bytes(range(256)) * 40, ("DocInfo",): b"d" * 5000}
    ole = olefile.OleFileIO(io.BytesIO(compound_file(streams)))
    assert all(ole.openstream(list(path)).read() == data for path, data in streams.items())


def test_cli_prints_fields_with_sources_and_json(documents):
    record, _, path = next(d for d in documents if d[2].suffix == ".docx")
    runner = CliRunner()
    text = runner.invoke(app, ["intake", str(path)])
    assert text.exit_code == 0 and f"주요제품: {record.main_product}" in text.output and "← [문단 " in text.output
    data = json.loads(runner.invoke(app, ["intake", str(path), "--json"]).output)
    assert data["format"] == "docx" and data["fields"]["tech_project"]["value"] == record.tech_project
    assert data["fields"]["tech_project"]["sources"][0]["where"].startswith("문단 ")


def test_cli_refusal_is_one_korean_line_and_exit_2(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"PK\x03\x04 not a pdf")
    result = CliRunner().invoke(app, ["intake", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "확장자(.pdf)" in result.output


def test_intake_bench_compares_proposed_with_typed_fields(fitted, records):
    from workbench.intake.bench import format_report, run_intake_bench

    r = run_intake_bench(fitted, records[:3], timed=1, log=lambda _: None)
    assert set(r["formats"]) == set(FORMATS) and r["pdf_20_pages"]["n"] == 1
    for f in r["formats"].values():
        assert 0 <= f["same_top1_as_typed"] <= 1 and f["refused"] == 0
        assert f["same_as_typed"]["main_product"] == 1.0  # the generated documents state it in every format
        assert 0 <= f["codes_typed"]["same_top1_as_typed"] <= 1
        groups = f["by_stated_codes"]
        assert set(groups) <= {"both", "ksic", "nst", "none"} and sum(g["n"] for g in groups.values()) == 3
        assert f["same_top1_as_typed"] == pytest.approx(sum(g["n"] * g["same_top1_as_typed"] for g in groups.values()) / 3)
    assert "20-page PDF" in format_report(r) and "typed by the examiner" in format_report(r)


def test_intake_bench_without_timed_pdfs_reports_none_timed(fitted, records):
    from workbench.intake.bench import format_report, run_intake_bench

    r = run_intake_bench(fitted, records[:1], timed=0, formats=("docx",), log=lambda _: None)
    assert r["pdf_20_pages"] == {"n": 0} and "not timed" in format_report(r)


def test_documents_are_grouped_by_the_codes_they_state():
    from workbench.intake.bench import stated_codes

    assert [stated_codes(CompanyRecord(ksic_code=k, nst_code=n)) for k, n in
            (("26299", "EE0101"), ("26299", ""), ("", "EE0101"), ("", ""))] == ["both", "ksic", "nst", "none"]


def test_codes_the_document_lacks_are_typed_and_stated_ones_kept():
    from workbench.intake.bench import with_typed_codes

    typed = CompanyRecord(ksic_code="26299", industry_name="그 외 기타 전자부품 제조업", nst_code="EE0101",
                          main_product="센서")
    no_codes = with_typed_codes(CompanyRecord(main_product="가스 센서"), typed)
    assert (no_codes.main_product, no_codes.ksic_code, no_codes.industry_name, no_codes.nst_code) == \
        ("가스 센서", "26299", "그 외 기타 전자부품 제조업", "EE0101")
    stated = with_typed_codes(CompanyRecord(main_product="가스 센서", ksic_code="27112", industry_name="X"), typed)
    assert (stated.ksic_code, stated.industry_name, stated.nst_code) == ("27112", "X", "EE0101")


def test_intake_bench_refuses_an_unknown_wording():
    result = CliRunner().invoke(app, ["intake-bench", "--wording", "plain"])
    assert result.exit_code == 2 and "--wording" in result.output and "house, unseen, brochure" in result.output


def test_a_folder_of_documents_is_one_row_per_document(documents, tmp_path):
    from workbench.intake.folder import documents_table

    for _, _, path in documents[:4]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "broken.hwp").write_bytes(b"%PDF-1.7 not really")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    table = documents_table(tmp_path)
    assert list(table["파일명"]) == sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".txt")
    assert table.set_index("파일명").loc["broken.hwp", "문서 오류"].startswith("파일 내용이 확장자(.hwp)")
    good = table[table["문서 오류"] == ""]
    assert len(good) == 4 and (good["주요제품"] == documents[0][0].main_product).all()
    assert good["파일 SHA-256"].str.len().eq(64).all()
