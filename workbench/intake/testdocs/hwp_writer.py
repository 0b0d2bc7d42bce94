"""Write a :class:`DocSpec` as an HWP 5 file: FileHeader, DocInfo and one compressed BodyText section of records
(paragraphs, tables, running header and footer), packed by :mod:`cfb`. Read back by our reader and olefile; not
checked in Hancom Office (not available here), which also expects fonts and shapes in DocInfo."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

from workbench.intake.testdocs.cfb import compound_file
from workbench.intake.testdocs.content import DocSpec

PARA_HEADER, PARA_TEXT, CTRL_HEADER, LIST_HEADER, TABLE, DOCUMENT_PROPERTIES = 66, 67, 71, 72, 77, 16
PAGE_BREAK = 0x04
VERSION = 0x05000300  # 5.0.3.0


def _record(tag: int, level: int, payload: bytes) -> bytes:
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _extended(code: int, ctrl_id: bytes) -> list[int]:
    """An extended control in paragraph text: eight code units (code, control id, reserved, code)."""
    return [code, *struct.unpack("<2H", ctrl_id[::-1]), 0, 0, 0, 0, code]


def _paragraph(text: str, level: int, *, page_break: bool = False, controls: list[int] = ()) -> bytes:
    units = [*controls, *struct.unpack(f"<{len(text.encode('utf-16-le')) // 2}H", text.encode("utf-16-le")), 13]
    header = struct.pack("<IIHBBHHHI", len(units), 0, 0, 0, PAGE_BREAK if page_break else 0, 1, 0, 1, 0)
    return (_record(PARA_HEADER, level, header)
            + _record(PARA_TEXT, level + 1, struct.pack(f"<{len(units)}H", *units)))


def _cell_list(col: int, row: int) -> bytes:
    return struct.pack("<HHIHHHHII4HH", 1, 0, 0, col, row, 1, 1, 8000, 1000, 140, 140, 140, 140, 1)


def _running(ctrl_id: bytes, text: str) -> bytes:
    return (_record(CTRL_HEADER, 1, ctrl_id[::-1] + struct.pack("<II", 0, 0))
            + _record(LIST_HEADER, 2, struct.pack("<HHI", 1, 0, 0)) + _paragraph(text, 2))


def _table(rows: tuple[tuple[str, ...], ...], page_break: bool) -> bytes:
    n_cols = max(len(r) for r in rows)
    out = _paragraph("", 0, page_break=page_break, controls=_extended(11, b"tbl "))
    out += _record(CTRL_HEADER, 1, b"tbl "[::-1] + bytes(40))
    out += _record(TABLE, 2, struct.pack(f"<IHHH4H{len(rows)}HH", 0, len(rows), n_cols, 0, 140, 140, 140, 140,
                                         *(len(r) for r in rows), 1))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            out += _record(LIST_HEADER, 2, _cell_list(c, r)) + _paragraph(value, 2)
    return out


def section_stream(spec: DocSpec) -> bytes:
    first = _paragraph("", 0, controls=_extended(16, b"head") + _extended(16, b"foot"))
    body, page_break = [first + _running(b"head", spec.header) + _running(b"foot", spec.footer)], False
    for b in spec.blocks:
        if b.kind == "page_break":
            page_break = True
            continue
        body.append(_table(b.rows, page_break) if b.kind == "table" else _paragraph(b.text, 0, page_break=page_break))
        page_break = False
    return b"".join(body)


def write_hwp(spec: DocSpec, path: Path) -> Path:
    file_header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", VERSION, 0x1)
    doc_info = _record(DOCUMENT_PROPERTIES, 0, struct.pack("<H7I", 1, 1, 1, 1, 1, 1, 0, 0))
    data = compound_file({("FileHeader",): file_header.ljust(256, b"\0"), ("DocInfo",): _deflate(doc_info),
                          ("BodyText", "Section0"): _deflate(section_stream(spec))})
    path.write_bytes(data)
    return path
