"""HWP 5 (binary): an OLE compound file (olefile) whose BodyText/Section streams are raw-deflate record streams.

Each record has a 32-bit header (tag 10 bits, level 10 bits, size 12 bits; size 0xFFF: a 32-bit size follows).
Text is in PARA_TEXT records (UTF-16LE with inline control codes); a table is a TABLE record with the number of
cells per row, then one LIST_HEADER per cell followed by the cell's paragraphs. Header and footer controls are
skipped. Layout, and so the page number, is not stored: sources are paragraph numbers.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError

SIGNATURE = b"HWP Document File"
FLAG_COMPRESSED, FLAG_PASSWORD, FLAG_DISTRIBUTION = 0x1, 0x2, 0x4
TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_CTRL_HEADER, TAG_LIST_HEADER, TAG_TABLE = 66, 67, 71, 72, 77
SKIPPED_CONTROLS = {b"head", b"foot"}  # running headers and footers
CHAR_CONTROLS = {0, 10, 13, *range(24, 32)}  # one code unit; every other code below 32 takes eight
MAX_SECTION_BYTES = 256 * 2**20  # decompressed: more is a zip bomb, not a business plan


def records(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(tag, level, payload) of each record; raises IntakeError on a truncated stream."""
    pos = 0
    while pos + 4 <= len(data):
        (header,) = struct.unpack_from("<I", data, pos)
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        pos += 4
        if size == 0xFFF:
            if pos + 4 > len(data):
                break
            (size,) = struct.unpack_from("<I", data, pos)
            pos += 4
        if pos + size > len(data):
            raise IntakeError("corrupt", "한글(HWP) 파일의 본문이 손상되어 읽을 수 없습니다.", "truncated record")
        yield tag, level, data[pos:pos + size]
        pos += size


def para_text(payload: bytes) -> str:
    """Visible text of a PARA_TEXT record: control codes dropped, tabs and breaks as spaces."""
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out, i = [], 0
    while i < len(units):
        u = units[i]
        if u >= 32:
            out.append(chr(u))
            i += 1
        elif u in CHAR_CONTROLS:
            out.append(" " if u in (10, 30, 31) else "-" if u == 24 else "")
            i += 1
        else:
            out.append(" " if u == 9 else "")
            i += 8
    return "".join(out)


def section_blocks(data: bytes) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Paragraphs and table rows of one decompressed section stream, in order."""
    blocks: list[tuple[str, int | None, tuple[str, ...]]] = []
    skip_below: int | None = None  # inside a skipped control: records deeper than its level
    table: dict | None = None  # the table being read: level, cells per row, cells so far
    for tag, level, payload in records(data):
        if skip_below is not None:
            if level > skip_below:
                continue
            skip_below = None
        if table is not None and level < table["level"]:
            _flush_table(table, blocks)
            table = None
        if tag == TAG_CTRL_HEADER and payload[:4][::-1] in SKIPPED_CONTROLS:
            skip_below = level
        elif tag == TAG_TABLE and len(payload) >= 18:
            n_rows = struct.unpack_from("<H", payload, 4)[0]
            per_row = list(struct.unpack_from(f"<{n_rows}H", payload, 18)) if len(payload) >= 18 + 2 * n_rows else []
            table = {"level": level, "per_row": per_row, "cells": []}
        elif tag == TAG_LIST_HEADER and table is not None and level == table["level"]:
            table["cells"].append("")
        elif tag == TAG_PARA_TEXT:
            text = para_text(payload)
            if table is not None and table["cells"]:
                table["cells"][-1] = f"{table['cells'][-1]} {text}".strip()
            else:
                blocks.append((text, None, ()))
    if table is not None:
        _flush_table(table, blocks)
    return blocks


def _flush_table(table: dict, blocks: list) -> None:
    cells, start = table["cells"], 0
    rows = table["per_row"] if sum(table["per_row"]) == len(cells) else [len(cells)]
    for n in rows:
        row = tuple(c.strip() for c in cells[start:start + n])
        start += n
        blocks.append((" | ".join(row), None, row))


class HwpReader:
    format, label_ko = "hwp", "한글(HWP)"

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        import olefile

        corrupt = "한글(HWP) 파일이 손상되어 읽을 수 없습니다."
        try:
            with olefile.OleFileIO(str(path)) as ole:  # sniffed as HWP: it holds a FileHeader (read.py)
                header = ole.openstream("FileHeader").read()
                if not header.startswith(SIGNATURE) or len(header) < 40:
                    raise IntakeError("corrupt", corrupt, "bad FileHeader")
                version, flags = struct.unpack_from("<II", header, 32)
                if version >> 24 != 5:
                    raise IntakeError("unsupported", "HWP 5.0 이전 형식의 한글 파일입니다. 한글에서 HWP 또는 HWPX로 다시 "
                                                     "저장해 올려 주세요.")
                if flags & FLAG_PASSWORD:
                    raise IntakeError("encrypted", "암호가 걸린 한글 문서입니다. 암호를 해제한 파일을 올려 주세요.")
                if flags & FLAG_DISTRIBUTION:
                    raise IntakeError("encrypted", "배포용(보기 전용) 한글 문서는 읽을 수 없습니다. 일반 문서로 저장해 올려 "
                                                   "주세요.")
                names = sorted((int(e[1][7:]), e) for e in ole.listdir()
                               if len(e) == 2 and e[0] == "BodyText" and e[1].startswith("Section")
                               and e[1][7:].isdigit())
                if not names:
                    raise IntakeError("corrupt", corrupt, "no BodyText section")
                blocks = []
                for _, entry in names:
                    raw = ole.openstream(entry).read()
                    if flags & FLAG_COMPRESSED:
                        inflater = zlib.decompressobj(-15)
                        raw = inflater.decompress(raw, MAX_SECTION_BYTES)
                        if inflater.unconsumed_tail:
                            raise IntakeError("corrupt", "한글(HWP) 본문이 비정상적으로 커서 읽지 않았습니다.")
                    blocks += section_blocks(raw)
        except IntakeError:
            raise
        except (OSError, zlib.error, struct.error, ValueError) as exc:
            raise IntakeError("corrupt", corrupt, str(exc)) from exc
        return numbered(blocks), None
