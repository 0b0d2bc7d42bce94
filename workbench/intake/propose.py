"""Propose the technology-form fields from a document, each with the sentences it came from.

Measured choices (``workbench intake-bench``, docs/app.md): a value stated with its label (``주요제품:``,
``과제명 :``, a table row ``업종코드 | 20111``) wins; otherwise 주요제품 comes from the product section's lead
sentence ("주력 제품은 …입니다", "…을(를) 개발·생산") or the product-list table, 제품용도 from the use section
(or the product section's other sentences), 기술사업명 from the technology section (quoted or 「…」 name).
업종코드 and 기술분류 are taken only when a label states them and the code is valid; an industry stated by its KSIC
name alone gives that 업종명, and the 업종코드 too when one subclass has the name. When these rules find neither
주요제품 nor 제품용도 (headings and wording they do not know), the body sentences that read most like an item
definition and least like the company's business-plan facts are proposed instead (:mod:`scoring`), marked as such.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from workbench.intake.document import Document, Paragraph
from workbench.intake.read import read_document
from workbench.intake.scoring import product_likeness, split_sentences
from workbench.intake.sections import BULLET, sectioned
from workbench.schema.record import MAX_LENGTH, NST_RE, NST_SECTIONS, SPEC_BY_NAME, CompanyRecord
from workbench.taxonomy.ksic import ksic_tables

FIELDS = ("main_product", "product_use", "tech_project", "ksic_code", "industry_name", "nst_code")
LABELS = {  # label (spaces removed) → field
    # 창업아이템명, 아이템명, 아이템 개요: the labels of the K-Startup 사업계획서 forms (창업도약·초기창업·예비창업패키지)
    **dict.fromkeys(("주요제품", "주력제품", "주요생산품", "대표제품", "주요품목", "창업아이템명", "아이템명"), "main_product"),
    **dict.fromkeys(("제품용도", "제품의용도및특성", "용도및특성", "제품용도및특성", "아이템개요"), "product_use"),
    **dict.fromkeys(("기술사업명", "과제명", "사업명", "기술명", "개발과제명"), "tech_project"),
    **dict.fromkeys(("업종코드", "업종", "주업종", "표준산업분류", "산업분류"), "ksic_code"),
    **dict.fromkeys(("업종명",), "industry_name"),
    **dict.fromkeys(("기술분류", "국가과학기술표준분류", "기술분류코드"), "nst_code"),
}
VALIDATED = {"ksic_code", "nst_code"}  # taken only when the code exists in its table
LABELLED = re.compile(r"^\s*([가-힣 ]{2,16}?)\s*[:：]\s*(.+)$")
# a form's own guidance left in place of a value: a ※ note or an OO / ○○ placeholder ('OO기술이 적용된 OO제품')
GUIDANCE = re.compile(r"^\s*※|(?<![A-Za-z])(?:OO|○○)")
KSIC = re.compile(r"(?<![0-9])(?:C|KSIC\s*)?([0-9]{5})(?![0-9])")
NST_IN_TEXT = re.compile(r"(?:기술분류|국가과학기술표준분류)[^A-Z]{0,20}([A-Z]{2}[0-9]{4})")
LEAD = (re.compile(r"(?:주력|주요|대표)\s*제품은\s*(.+?)\s*(?:입니다|이다|임)\s*[.]?$"),
        re.compile(r"(?:공급|생산|판매|제조|개발)하는\s*(?:주요\s*)?제품은\s*(.+?)\s*(?:입니다|이다|임)\s*[.]?$"),
        re.compile(r"(?:는|은)\s+(.+?)\s*(?:을\(를\)|를\(을\)|을|를)\s*(?:개발|생산|제조|공급|판매)"))
QUOTED = re.compile(r"[「『'‘\"“]([^」』'’\"”]{4,150})[」』'’\"”]")
PRODUCT_TABLE_HEAD = re.compile(r"^(?:제품명|주요\s*제품|품목명?|제품)$")
# sentences proposed as 제품용도 after the one proposed as 주요제품, by the fallback; chosen on house documents with the
# rules' text fields switched off (the last 300 held-out records, DOCX, quick model; 3 / 4 / 5 / 6 sentences: same
# 1순위 as typed 0.833 / 0.843 / 0.820 / 0.823, top-3 hit 0.877 / 0.860 / 0.870 / 0.850), not on a held-out wording
SCORED_USE = 3


@dataclass(frozen=True)
class Source:
    """A sentence a proposal came from and where: page (PDF) or paragraph number."""

    where: str
    text: str


@dataclass
class FieldProposal:
    value: str
    sources: list[Source]
    how: str  # label | sentence | table | section | code | name | scored


@dataclass
class Proposal:
    """Proposed form fields of one document; a field the document does not state is absent."""

    name: str
    format: str
    pages: int | None
    fields: dict[str, FieldProposal] = field(default_factory=dict)

    def record(self, **company: str) -> CompanyRecord:
        """A record with the proposed technology fields (and any company fields given)."""
        return CompanyRecord(**company, **{k: v.value for k, v in self.fields.items()})

    def to_dict(self) -> dict:
        return {"name": self.name, "format": self.format, "pages": self.pages,
                "fields": {k: {"label": SPEC_BY_NAME[k].label_ko, **asdict(v)} for k, v in self.fields.items()}}


def _source(p: Paragraph) -> Source:
    return Source(p.where, p.text)


def _clip(text: str, limit: int) -> str:
    """``text`` cut at the last sentence end (else word) that fits ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("다."))
    return cut[: end + 1 if end > limit // 2 else cut.rfind(" ")].strip()


def _labelled(p: Paragraph) -> list[tuple[str, str]]:
    """(field, value) pairs of a 'label: value' paragraph or a 'label | value' table row; empty cells (merged cells
    of a form, e.g. '주요제품 | | 센서') are left out first. Codes are validated, so any pair stating one is taken; a
    text value only when its label is the one label the row holds that this module knows and the value is not such a
    label itself ('아이템명 | 협동로봇 비전 모듈 | 범주 | 로봇 부품' gives 주요제품; '업종코드 | 26299 | 업종명 | …' only
    the code): a row of several known labels, or of a known label followed by another, is more likely a header row."""
    if p.cells:
        cells = [c for c in p.cells if c]
        pairs = list(zip(cells[::2], cells[1::2])) if len(cells) % 2 == 0 else []
    else:
        pairs = [m.groups()] if (m := LABELLED.match(p.text)) else []
    found = [(_label(label), value.strip()) for label, value in pairs]
    known = [value for name, value in found if name]
    text_ok = len(known) == 1 and not _label(known[0])
    return [(name, value) for name, value in found
            if name and value and not GUIDANCE.search(value) and (name in VALIDATED or text_ok)]


def _label(text: str) -> str | None:
    """The form field a label names (spaces ignored), else None."""
    return LABELS.get(re.sub(r"\s", "", text))


class Proposer:
    """Turns a read :class:`Document` into a :class:`Proposal`."""

    def __init__(self, document: Document):
        self.doc = document
        self.body = sectioned(document.paragraphs)
        self.fields: dict[str, FieldProposal] = {}

    def set(self, name: str, value: str, sources: list[Paragraph], how: str) -> None:
        value = " ".join(BULLET.sub("", value).split()).strip(" ,")
        value = value if name == "product_use" else value.rstrip(" .")
        if value and name not in self.fields:
            self.fields[name] = FieldProposal(_clip(value, MAX_LENGTH[name]), [_source(p) for p in sources], how)

    def in_section(self, kind: str) -> list[Paragraph]:
        return [p for k, p in self.body if k == kind]

    def labels(self) -> None:
        for _, p in self.body:
            found = _labelled(p)
            for name, value in found:
                if name == "ksic_code":
                    self.industry(value, p)
                elif name == "nst_code":
                    self.nst(value, p)
                else:
                    self.set(name, value, [p], "label")
            if not found and (m := NST_IN_TEXT.search(p.text)):
                self.nst(m.group(1), p)

    def industry(self, value: str, p: Paragraph) -> None:
        m = KSIC.search(value)
        if not m:
            if ksic_tables().named(value):  # '업종 | 응용 소프트웨어 개발 및 공급업': a KSIC name without its code
                self.set("industry_name", value, [p], "label")
            return
        if ksic_tables().lookup(m.group(1)) is None:
            return
        code = m.group(1)
        self.set("ksic_code", code, [p], "label")
        name = re.sub(r"\(\s*\)|KSIC|C(?=\s*$)", "", value.replace(code, "")).strip(" ()-:")
        if len(name) >= 2:
            self.set("industry_name", name, [p], "label")

    def nst(self, value: str, p: Paragraph) -> None:
        m = NST_RE.search(value)
        if m and m.group(0)[:2] in NST_SECTIONS:
            self.set("nst_code", m.group(0), [p], "label")

    def main_product(self) -> None:
        product = self.in_section("product")
        for p in product:
            for pattern in LEAD:
                if not p.cells and (m := pattern.search(p.text)):
                    self.set("main_product", m.group(1), [p], "sentence")
                    return
        rows = self.product_table()
        if rows:
            self.set("main_product", ", ".join(dict.fromkeys(r.cells[0] for r in rows)), rows, "table")
        elif text := [p for p in product if not p.cells]:
            self.set("main_product", text[0].text, text[:1], "section")

    def product_table(self) -> list[Paragraph]:
        """Rows under a header row whose first cell names products (제품명, 주요 제품, 품목)."""
        rows, inside = [], False
        for _, p in self.body:
            if not p.cells:
                inside = inside and not rows
                continue
            if PRODUCT_TABLE_HEAD.match(p.cells[0]):
                inside = True
            elif inside:
                rows.append(p)
        return rows

    def product_use(self) -> None:
        use = [p for p in self.in_section("use") if not p.cells]
        if not use:
            lead = self.fields.get("main_product")
            used = {s.text for s in lead.sources} if lead else set()
            use = [p for p in self.in_section("product") if not p.cells and p.text not in used]
        if use:
            self.set("product_use", " ".join(BULLET.sub("", p.text) for p in use), use, "section")

    def tech_project(self) -> None:
        tech = [p for p in self.in_section("technology") if not p.cells]
        for p in tech:
            if m := QUOTED.search(p.text):
                self.set("tech_project", m.group(1), [p], "sentence")
                return
        if tech and len(tech[0].text) <= MAX_LENGTH["tech_project"]:
            self.set("tech_project", tech[0].text, tech[:1], "section")

    def scored(self) -> None:
        """Fallback when the rules found neither 주요제품 nor 제품용도: the body sentence that reads most like a
        product description (:func:`~workbench.intake.scoring.product_likeness`) as 주요제품 and the next
        :data:`SCORED_USE` (in reading order) as 제품용도. No 기술사업명: a quoted name outside a technology section was
        junk on public documents ('과기정통부', '또는') and found none on the unseen wording."""
        if "main_product" in self.fields or "product_use" in self.fields:
            return
        sentences = [Paragraph(s, p.index, p.page) for _, p in self.body if not p.cells for s in split_sentences(p.text)]
        if not sentences:
            return
        order = np.argsort(-product_likeness([s.text for s in sentences]), kind="stable")
        main, use = sentences[order[0]], [sentences[i] for i in sorted(order[1:1 + SCORED_USE])]
        self.set("main_product", main.text, [main], "scored")
        if use:
            self.set("product_use", " ".join(s.text for s in use), use, "scored")

    def code_and_name(self) -> None:
        """The 업종명 of a stated 업종코드, or the 업종코드 of a stated 업종명 that one KSIC subclass has."""
        code, name = self.fields.get("ksic_code"), self.fields.get("industry_name")
        if code and not name:
            self.fields["industry_name"] = FieldProposal(ksic_tables().name(code.value), code.sources, "code")
        elif name and not code and (found := ksic_tables().subclass_named(name.value)):
            self.fields["ksic_code"] = FieldProposal(found, name.sources, "name")

    def propose(self) -> Proposal:
        self.labels()
        self.main_product()
        self.product_use()
        self.tech_project()
        self.scored()
        self.code_and_name()
        ordered = {k: self.fields[k] for k in FIELDS if k in self.fields}
        return Proposal(self.doc.name, self.doc.format, self.doc.pages, ordered)


def propose_document(document: Document) -> Proposal:
    return Proposer(document).propose()


def propose(path: str | Path, name: str | None = None) -> Proposal:
    """Read the document at ``path`` (``name``: the uploaded file name, for its extension) and propose the form
    fields; raises :class:`~workbench.intake.errors.IntakeError` for a file it will not read."""
    return propose_document(read_document(path, name))
