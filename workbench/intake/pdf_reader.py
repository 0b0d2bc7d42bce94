"""PDF: the text layer as fixed-width lines, page by page (:mod:`workbench.intake.pdf_text`), wrapped lines joined
into paragraphs, running headers and footers dropped, table rows kept as cells (columns are runs of three or more
spaces), justified prose undone."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError
from workbench.intake.pdf_text import pdf_pages
from workbench.intake.textlayer import garbled

# Fewer visible characters per page than this on average: a scan, not a text document.
MIN_CHARS_PER_PAGE = 20
SENTENCE_END = re.compile(r"[.!?。]$")
BULLET = re.compile(r"^([□■○●◦•▶▪\-–·※]|\d{1,2}[.)]|[가-하][.)]|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]\.)\s*")
COLUMN_GAP = re.compile(r"\s{3,}")
RUNNING_LINES = 5  # lines at the top and at the bottom of a page looked at for running headers and footers
SPACED_MIN_CELLS = 4  # a line of this many layout cells, 3/4 of them one word (or 1.5× as many, half), is prose
NUMBERED = re.compile(r"\d{1,2}(?:\.\d{1,2}){0,3}\.?|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]{1,4}\.?|[가-하][.)]")
FIGURE = re.compile(r"[-+(]?\d[\d.,:~/\-]*(?:[%가-힣A-Za-z]{1,4}\)?)?")  # 60%, 1,200, 00백만원, 2025년: a row of
# figures is a table row, however many cells it has
SPACED_GAP_RATIO = 3  # its widest gap at most this many times its median gap
RIGHT_EDGE_SLACK = 4  # characters short of the page's right text edge a justified line may end


def _line_key(line: str) -> str:
    """A line as a running header or footer repeats it: digits (page numbers) and the layout's padding ignored."""
    return " ".join(re.sub(r"\d+", "#", line).split())


def _running(pages: list[list[str]]) -> set[str]:
    """Lines among the first and last ``RUNNING_LINES`` of a page repeated on at least half of the pages: headers
    and footers (a Word header block of several lines; the same line indented differently on each page)."""
    if len(pages) < 2:
        return set()
    ends = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        ends.update({_line_key(ln) for ln in body[:RUNNING_LINES] + body[-RUNNING_LINES:]})
    return {k for k, n in ends.items() if n >= max(2, len(pages) / 2)}


def _spaced(line: str, cells: list[str]) -> bool:
    """A line of prose that justification stretched: its word gaps come as runs of spaces as wide as they are, so
    it splits into many one-word 'cells' with gaps of about one width — unlike a table row, whose cells hold phrases
    or figures, or a wrapped table cell, whose words are set a few spaces apart and far from the next cell; also a
    numbered heading. ``cells``: the line split at its column gaps."""
    if len(cells) == 2 and NUMBERED.fullmatch(cells[0]) and not FIGURE.fullmatch(cells[1]):
        return True  # a numbered heading, its number set apart by a tab ('1.1      프로젝트 개요')
    words = sum(" " not in c for c in cells) / len(cells)
    gaps = sorted(len(g) for g in COLUMN_GAP.findall(line.strip()))
    return ((len(cells) >= SPACED_MIN_CELLS and words >= 0.75 or len(cells) >= 1.5 * SPACED_MIN_CELLS and words >= 0.5)
            and gaps[-1] <= SPACED_GAP_RATIO * gaps[len(gaps) // 2]
            and sum(bool(FIGURE.fullmatch(c)) for c in cells) <= len(cells) / 2)


def _page_blocks(lines: list[str], page: int, running: set[str]) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Blank lines, sentence ends and bullets end a paragraph; wrapped lines are joined. A line with columns (runs
    of three or more spaces) is a table row, and so is a line touching one (a wrapped cell) — unless it is prose
    that justification stretched (:func:`_spaced`) and not a wrapped cell between rows; a stretched line that reaches
    the right edge of the page's text goes on into the next line, across the blank lines of wide line spacing."""
    lines = [ln for ln in lines if _line_key(ln) not in running] + [""]
    cells = [[c for c in COLUMN_GAP.split(ln.strip()) if c] for ln in lines]
    edge = max(map(len, lines)) - RIGHT_EDGE_SLACK  # lines come right-stripped (pdf_text.page_text)
    spaced = [bool(c) and _spaced(ln, c) for ln, c in zip(lines, cells)]
    is_row = [len(c) >= 2 and not s for c, s in zip(cells, spaced)]
    rows = is_row.copy()
    # short of the edge, beside a table row: a wrapped cell, not prose (the last line, the blank one added, is no row)
    for i, line in enumerate(lines):
        if spaced[i] and len(line) < edge and ((i and rows[i - 1]) or rows[i + 1]):
            spaced[i], is_row[i] = False, True
    blocks, current, goes_on = [], "", False
    for i, line_cells in enumerate(cells):
        if not line_cells and goes_on:
            continue
        prose = spaced[i] or (goes_on and not BULLET.match(line_cells[0]))  # goes on: however it is spaced
        if prose:
            is_row[i] = False
            line_cells = [" ".join(line_cells)]
        goes_on = spaced[i] and len(lines[i]) >= edge
        touching = is_row[i] or (line_cells and not prose
                                 and ((i and is_row[i - 1]) or is_row[i + 1 if i + 1 < len(cells) else i]))
        if current and (not line_cells or touching or BULLET.match(line_cells[0])):
            blocks.append((current, page, ()))
            current = ""
        if touching:
            blocks.append((" | ".join(line_cells), page, tuple(line_cells)))
        elif line_cells:
            text = " ".join(line_cells)
            current = f"{current} {text}" if current else text
            if SENTENCE_END.search(text) and not goes_on:
                blocks.append((current, page, ()))
                current = ""
    return blocks + [(current, page, ())] if current else blocks


class PdfReader:
    format, label_ko = "pdf", "PDF"

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        pages = pdf_pages(path)
        visible = sum(len("".join(ln.split())) for lines in pages for ln in lines)
        if visible < MIN_CHARS_PER_PAGE * max(len(pages), 1):
            raise IntakeError("scanned", "텍스트가 없는 스캔 PDF입니다. 글자를 인식(OCR)한 PDF나 원본 문서(HWP·DOCX)를 "
                                         "올려 주세요.")
        if garbled("".join(ln for lines in pages for ln in lines)):
            raise IntakeError("garbled", "PDF의 글자 정보가 깨져 있어 한글·영문을 읽을 수 없습니다(글꼴에 글자 대응표가 "
                                         "없는 PDF). 원본 문서(HWP·DOCX)나 다른 프로그램으로 저장한 PDF를 올려 주세요.")
        running = _running(pages)
        blocks = [b for i, lines in enumerate(pages, start=1) for b in _page_blocks(lines, i, running)]
        return numbered(blocks), len(pages)
