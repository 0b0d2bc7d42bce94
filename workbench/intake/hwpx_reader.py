"""HWPX (OWPML, KS X 6101): a zip of XML sections; paragraphs and table rows of each section in order."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError

MAX_XML_BYTES = 64 * 2**20  # uncompressed size of one section: more is a zip bomb, not a business plan
SECTION = re.compile(r"^Contents/section(\d+)\.xml$")
SKIPPED = {"header", "footer"}  # running headers and footers are controls inside the first paragraph


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: Element) -> str:
    """Text of the ``t`` elements under ``el``, leaving out running headers and footers; the paragraphs of a
    sub-list (a table cell's or a text box's own paragraphs) are set apart by spaces, as Hancom's preview does."""
    tag = _local(el.tag)
    if tag in SKIPPED:
        return ""
    if tag == "t":
        return "".join(el.itertext())
    if tag == "subList":
        return f" {' '.join(_text(child) for child in el)} "
    return "".join(_text(child) for child in el)


def _tables(el: Element) -> list[Element]:
    if _local(el.tag) in SKIPPED:
        return []
    if _local(el.tag) == "tbl":
        return [el]
    return [t for child in el for t in _tables(child)]


def _blocks(root: Element) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Top-level paragraphs; a paragraph holding a table gives one block per table row."""
    blocks = []
    for p in (el for el in root if _local(el.tag) == "p"):
        tables = _tables(p)
        if not tables:
            blocks.append((_text(p), None, ()))
            continue
        for tbl in tables:
            for tr in (el for el in tbl if _local(el.tag) == "tr"):
                cells = tuple(_text(tc).strip() for tc in tr if _local(tc.tag) == "tc")
                blocks.append((" | ".join(cells), None, cells))
    return blocks


class HwpxReader:
    format, label_ko = "hwpx", "한글(HWPX)"

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        from defusedxml.ElementTree import fromstring

        try:
            with zipfile.ZipFile(path) as zf:
                sections = sorted((int(m.group(1)), n) for n in zf.namelist() if (m := SECTION.match(n)))
                if not sections:
                    raise IntakeError("corrupt", "HWPX 파일에 본문(section)이 없어 읽을 수 없습니다.")
                blocks = []
                for _, name in sections:
                    if zf.getinfo(name).file_size > MAX_XML_BYTES:
                        raise IntakeError("corrupt", "HWPX 본문이 비정상적으로 커서 읽지 않았습니다.", name)
                    blocks += _blocks(fromstring(zf.read(name)))
        except (zipfile.BadZipFile, ParseError, KeyError, ValueError) as exc:
            if isinstance(exc, IntakeError):
                raise
            raise IntakeError("corrupt", "HWPX 파일이 손상되어 읽을 수 없습니다.", str(exc)) from exc
        return numbered(blocks), None
