"""DOCX: body paragraphs and table rows in document order, read from the body's XML (python-docx parses the
package). Text in content controls (cover pages, form fields), text boxes, nested tables (read into their cell),
fields and tracked insertions is kept; deleted text, field codes and running headers and footers are left out."""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError


# all parts decompressed: python-docx loads every part into memory, so more is a zip bomb, not a business plan
MAX_UNPACKED = 512 * 2**20
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"  # a copy of the Choice beside it
WRAPPERS = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml"}  # content controls and custom XML hold blocks, rows or cells
SPACES = {f"{W}tab", f"{W}br", f"{W}cr"}
BOX = f"{W}txbxContent"


def _unwrapped(el) -> Iterator:
    """The children of ``el``, with content-control and custom-XML wrappers replaced by what they hold."""
    for child in el:
        if child.tag in WRAPPERS:
            yield from _unwrapped(child)
        elif child.tag != f"{W}sdtPr":
            yield child


def _runs_text(el, boxes: list) -> str:
    """The text of a paragraph: ``w:t`` (not ``w:delText`` or ``w:instrText``), tabs and breaks as spaces. Text
    boxes are collected in ``boxes`` instead (their paragraphs are read after this one); a fallback copy is skipped."""
    out = []
    for child in el:
        if child.tag == FALLBACK:
            continue
        if child.tag == BOX:
            boxes.append(child)
        elif child.tag == f"{W}t":
            out.append(child.text or "")
        elif child.tag in SPACES:
            out.append(" ")
        else:
            out.append(_runs_text(child, boxes))
    return "".join(out)


def _blocks(container) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(text, cells) of every paragraph and table row under ``container`` in reading order."""
    for el in _unwrapped(container):
        if el.tag == f"{W}p":
            boxes: list = []
            yield _runs_text(el, boxes), ()
            for box in boxes:
                yield from _blocks(box)
        elif el.tag == f"{W}tbl":
            for row in (r for r in _unwrapped(el) if r.tag == f"{W}tr"):
                cells = tuple(" ".join(text for text, _ in _blocks(tc)).strip()
                              for tc in _unwrapped(row) if tc.tag == f"{W}tc")
                if any(cells):  # a merged cell is one w:tc, so a repeated value is a value repeated in the document
                    yield " | ".join(cells), cells


class DocxReader:
    format, label_ko = "docx", "Word(DOCX)"

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        import docx
        from lxml.etree import XMLSyntaxError

        with zipfile.ZipFile(path) as zf:  # sniffed as a DOCX zip before (read.py)
            unpacked = sum(info.file_size for info in zf.infolist())
        if unpacked > MAX_UNPACKED:
            raise IntakeError("too_large", f"압축을 풀면 {unpacked / 2**20:,.0f} MB나 되는 DOCX 파일이라 읽지 않았습니다 "
                                           f"({MAX_UNPACKED // 2**20} MB까지).")
        try:
            document = docx.Document(str(path))
        except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
            raise IntakeError("corrupt", "DOCX 파일이 손상되어 읽을 수 없습니다.", str(exc)) from exc
        return numbered([(text, None, cells) for text, cells in _blocks(document.element.body)]), None
