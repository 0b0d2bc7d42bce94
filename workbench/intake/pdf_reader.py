"""PDF: the text layer, page by page (pypdf), wrapped lines joined into paragraphs, running headers and footers
dropped, table rows kept as cells (columns are runs of three or more spaces in pypdf's layout mode), justified prose
and bold drawn twice undone."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError
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


DOUBLED_RUN = re.compile(r"(\d*[^\s\d]\S{1,29}?)\1")  # a run of 2+ characters, one not a digit, twice over
DOUBLED_SHARE = 0.4  # share of a line's words (and at least two of them) that come twice for the line to be read
# as drawn twice: one repeated syllable is a word ('의료기기', '억제제'), and so is one repeated code ('EE1206')

TWO_BYTE_CODESPACE = re.compile(rb"1\s+begincodespacerange\s*<0000>\s*<ffff>\s*endcodespacerange", re.IGNORECASE)


def _layout_lines(text: str) -> list[str]:
    # NUL: a font whose codes pypdf still reads byte by byte (see _two_byte_codes) gives one before each character
    return [_undoubled(line.replace("\x00", "").rstrip()) for line in text.split("\n")]


def _undoubled(line: str) -> str:
    """A line with its words once. Hancom Office makes bold of a font without a bold face by drawing each run twice,
    and pypdf reads both copies ('사업 사업 신청은 신청은 누리집누리집(홈페이지홈페이지)을 을'); when most words of a line
    come twice so, a word ending the one just before it (not across a column gap: table cells may repeat a value)
    and a run of two or more characters repeated inside a word are dropped; the run holds a letter, so figures
    ('16:00') are kept."""
    parts = [p for p in re.split(r"(\s+)", line) if p]
    words = [p for p in parts if not p.isspace()]
    again = [i > 1 and not p.isspace() and len(parts[i - 1]) < 3 and parts[i - 2].endswith(p)
             for i, p in enumerate(parts)]
    twice = sum(again) + sum(bool(DOUBLED_RUN.search(w)) for w in words)
    if twice < max(2, DOUBLED_SHARE * len(words)):
        return line
    kept = []
    for part, dropped in zip(parts, again):
        if dropped:
            kept.pop()  # its space
        else:
            kept.append(part if part.isspace() else DOUBLED_RUN.sub(r"\1", part))
    return "".join(kept)


def _two_byte_codes(pdf) -> None:
    """pypdf 7.1 reads the text of a Type0 font whose /Encoding is an embedded CMap stream (fpdf2 writes one) one
    byte at a time, so every character past the 256th glyph of the font's subset comes out as two wrong ones ('등록
    특허' → '주사주코 특주리'); a real Korean document has more than 256 syllables. Such a CMap whose one codespace is
    <0000>–<FFFF> splits the codes as Identity-H does, and the text comes from the font's ToUnicode map either way, so
    that name replaces it in the reader's copy of the file."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    def as_dict(obj) -> DictionaryObject:  # a missing or malformed entry is left for extraction to judge
        obj = obj.get_object() if obj is not None else None
        return obj if isinstance(obj, DictionaryObject) else DictionaryObject()

    for page in pdf.pages:
        for ref in as_dict(as_dict(page.get("/Resources")).get("/Font")).values():
            font = as_dict(ref)
            encoding = as_dict(font.get("/Encoding"))  # a CMap stream is a dictionary too; a name gives an empty one
            if (font.get("/Subtype") == "/Type0" and isinstance(encoding, StreamObject)
                    and TWO_BYTE_CODESPACE.search(encoding.get_data())):
                font[NameObject("/Encoding")] = NameObject("/Identity-H")


def _line_key(line: str) -> str:
    """A line as a running header or footer repeats it: digits (page numbers) and the layout's padding ignored."""
    return " ".join(re.sub(r"\d+", "#", line).split())


def _running(pages: list[list[str]]) -> set[str]:
    """Lines among the first and last ``RUNNING_LINES`` of a page repeated on at least half of the pages: headers
    and footers (a Word header block of several lines; pypdf pads the same line differently on each page)."""
    if len(pages) < 2:
        return set()
    ends = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        ends.update({_line_key(ln) for ln in body[:RUNNING_LINES] + body[-RUNNING_LINES:]})
    return {k for k, n in ends.items() if n >= max(2, len(pages) / 2)}


def _spaced(line: str, cells: list[str]) -> bool:
    """A line of prose that justification stretched: pypdf's layout mode prints its word gaps as runs of spaces, so
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
    edge = max(map(len, lines)) - RIGHT_EDGE_SLACK  # lines come right-stripped (_layout_lines)
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
        from pypdf import PdfReader as _Pdf

        try:
            pdf = _Pdf(path)
            if pdf.is_encrypted and not pdf.decrypt(""):  # an owner password alone still lets anyone read
                raise IntakeError("encrypted", "암호가 걸린 PDF입니다. 암호를 해제한 파일을 올려 주세요.")
            _two_byte_codes(pdf)
            pages = [_layout_lines(p.extract_text(extraction_mode="layout")) for p in pdf.pages]
        except IntakeError:
            raise
        except Exception as exc:  # a parser failure about encryption; any other is 'corrupt' (read.py)
            if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
                raise IntakeError("encrypted", "암호가 걸린 PDF입니다. 암호를 해제한 파일을 올려 주세요.") from exc
            raise
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
