"""PDF: the text layer, page by page (pypdf), wrapped lines joined into paragraphs, running headers and footers
dropped, table rows kept as cells (columns are runs of two or more spaces in pypdf's layout mode)."""
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


TWO_BYTE_CODESPACE = re.compile(rb"1\s+begincodespacerange\s*<0000>\s*<ffff>\s*endcodespacerange", re.IGNORECASE)


def _layout_lines(text: str) -> list[str]:
    # NUL: a font whose codes pypdf still reads byte by byte (see _two_byte_codes) gives one before each character
    return [line.replace("\x00", "").rstrip() for line in text.split("\n")]


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


def _running(pages: list[list[str]]) -> set[str]:
    """First and last lines repeated on at least half of the pages (digits ignored): headers and footers."""
    if len(pages) < 2:
        return set()
    ends = Counter()
    for lines in pages:
        body = [ln.strip() for ln in lines if ln.strip()]
        for ln in {*body[:2], *body[-2:]}:
            ends[re.sub(r"\d+", "#", ln)] += 1
    return {k for k, n in ends.items() if n >= max(2, len(pages) / 2)}


def _page_blocks(lines: list[str], page: int, running: set[str]) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Blank lines, sentence ends and bullets end a paragraph; wrapped lines are joined. A line with columns (runs
    of three or more spaces) is a table row, and so is a line touching one (a wrapped cell)."""
    lines = [ln for ln in lines if re.sub(r"\d+", "#", ln.strip()) not in running] + [""]
    cells = [[c for c in COLUMN_GAP.split(ln.strip()) if c] for ln in lines]
    is_row = [len(c) >= 2 for c in cells]
    blocks, current = [], ""
    for i, line_cells in enumerate(cells):
        touching = is_row[i] or (line_cells and ((i and is_row[i - 1]) or is_row[i + 1 if i + 1 < len(cells) else i]))
        if current and (not line_cells or touching or BULLET.match(line_cells[0])):
            blocks.append((current, page, ()))
            current = ""
        if touching:
            blocks.append((" | ".join(line_cells), page, tuple(line_cells)))
        elif line_cells:
            current = f"{current} {line_cells[0]}" if current else line_cells[0]
            if SENTENCE_END.search(line_cells[0]):
                blocks.append((current, page, ()))
                current = ""
    return blocks


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
