"""DOCX: body paragraphs and table rows in document order (python-docx); headers and footers are left out."""
from __future__ import annotations

import zipfile
from pathlib import Path

from workbench.intake.document import Paragraph, numbered
from workbench.intake.errors import IntakeError


# all parts decompressed: python-docx loads every part into memory, so more is a zip bomb, not a business plan
MAX_UNPACKED = 512 * 2**20


class DocxReader:
    format, label_ko = "docx", "Word(DOCX)"

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        import docx
        from docx.table import Table
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
        blocks = []
        for part in document.iter_inner_content():
            if isinstance(part, Table):
                for row in part.rows:
                    cells = tuple(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                    blocks.append((" | ".join(cells), None, cells))
            else:
                blocks.append((part.text, None, ()))
        return numbered(blocks), None
