"""Which part of a document a paragraph belongs to: headings are recognised by their words (제품, 용도, 기술 …)
and by numbering; every paragraph gets the kind of the last heading before it."""
from __future__ import annotations

import re

from workbench.intake.document import Paragraph

NUMBERING = re.compile(r"^\s*(?:[□■○●◦•▶▪◆◇※]|\d{1,2}(?:\.\d{1,2})*[.)]|[가-하][.)]|\(\d{1,2}\)|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ][.)]|"
                       r"별첨\s*\d+[.)]?)\s*")
# A list bullet opening a line ('• ', '✔ ', '- '; not numbering, which can open a sentence: '3D 프린터', '-20℃에서')
BULLET = re.compile(r"^\s*(?:[□■○●◦•▶▷►▪◆◇※✔✓➤➢·]+|[-–*](?=\s))\s*")
# Checked in this order: '제품 용도 및 특성' is a use heading, not a product heading.
KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("use", re.compile(r"용도|특성|특장점|적용분야|차별성|사양|기능|활용분야")),
    ("product", re.compile(r"주요제품|주력제품|제품소개|제품현황|사업아이템|제품및서비스|주요생산품|생산제품|제품개요|주요서비스")),
    ("technology", re.compile(r"기술개요|핵심기술|보유기술|기술현황|기술사업|사업화계획|개발과제|연구개발|기술소개")),
    ("other", re.compile(r"시장|재무|조직|인력|회사개요|기업개요|일반현황|회사소개|기업소개|별첨|투자|일정|인증|연혁|경영")),
)
# A document's title names what it is ('(주)OO 제품소개서', 'OO 기술사업계획서'): before the first heading it opens no
# section of the kinds above ('제품소개서' would make the company overview after it the product section). Later such a
# line is judged like any other ('공인 시험 보고서' under a product heading stays in the product section).
DOCUMENT_TITLE = re.compile(r"(?:소개서|계획서|설명서|제안서|보고서|소개자료)$")
MAX_HEADING = 40  # characters
SENTENCE = re.compile(r"[.!?。]$|(?:니다|이다|했다|한다|였다)$")


def heading_kind(p: Paragraph, *, opening: bool = False) -> str | None:
    """The section kind a heading opens ('product', 'use', 'technology', 'other'), or None for body text;
    ``opening``: no heading came before ``p``, so it may be the document's title."""
    if p.cells or len(p.text) > MAX_HEADING or SENTENCE.search(p.text) or ":" in p.text or "：" in p.text:
        return None
    squashed = re.sub(r"[\s·ㆍ,/]", "", NUMBERING.sub("", p.text))
    if opening and DOCUMENT_TITLE.search(squashed):
        return "other"
    for kind, pattern in KINDS:
        if pattern.search(squashed):
            return kind
    return "other" if NUMBERING.match(p.text) else None


def sectioned(paragraphs: list[Paragraph]) -> list[tuple[str, Paragraph]]:
    """(kind, paragraph) for every body paragraph; before the first heading the kind is 'other'."""
    out, kind, opening = [], "other", True
    for p in paragraphs:
        k = heading_kind(p, opening=opening)
        opening = opening and k is None
        if k is None:
            out.append((kind, p))
        else:
            kind = k
    return out
