"""Read any supported document: size limit, extension checked against content, then the format's reader."""
from __future__ import annotations

from pathlib import Path

from workbench.intake.docx_reader import DocxReader
from workbench.intake.document import Document
from workbench.intake.errors import IntakeError
from workbench.intake.hwp_reader import HwpReader
from workbench.intake.hwpx_reader import HwpxReader
from workbench.intake.pdf_reader import PdfReader
from workbench.intake.reader import Reader
from workbench.intake.sniff import NAMES_KO, sniff

MAX_BYTES = 200 * 2**20  # the largest upload read (200 MB); larger files are refused before reading
READERS: dict[str, Reader] = {r.format: r for r in (PdfReader(), DocxReader(), HwpxReader(), HwpReader())}
SUPPORTED_KO = "PDF, DOCX, HWP, HWPX"


def check_size(n_bytes: int) -> None:
    if n_bytes > MAX_BYTES:
        raise IntakeError("too_large", f"파일이 너무 큽니다({n_bytes / 2**20:,.0f} MB). {MAX_BYTES // 2**20} MB 이하의 "
                                       f"파일만 올릴 수 있습니다.")
    if n_bytes == 0:
        raise IntakeError("empty", "빈 파일입니다.")


def read_document(path: str | Path, name: str | None = None) -> Document:
    """The document at ``path``; ``name`` (the uploaded file's name) gives the extension when ``path`` is a
    temporary file. Raises :class:`IntakeError` with a Korean message for every file it will not read."""
    path = Path(path)
    name = name or path.name
    check_size(path.stat().st_size)
    ext = Path(name).suffix.lower().lstrip(".")
    if ext not in READERS:
        raise IntakeError("unsupported", f"지원하지 않는 파일 형식(.{ext or '?'})입니다. {SUPPORTED_KO} 파일을 올려 주세요.")
    try:
        actual = sniff(path)
        if actual == "ooxml_encrypted" and ext == "docx":
            raise IntakeError("encrypted", "암호가 걸린 Word(DOCX) 파일입니다. 암호를 해제한 파일을 올려 주세요.")
        if actual != ext:
            raise IntakeError("mismatch", f"파일 내용이 확장자(.{ext})와 맞지 않습니다: 실제로는 "
                                          f"{NAMES_KO.get(actual, actual)}입니다. 원본 파일을 올려 주세요.")
        paragraphs, pages = READERS[ext].read(path)
    except IntakeError:
        raise
    except Exception as exc:  # any other failure on an uploaded file (damaged zips raised zlib, EOF, OS errors …)
        raise IntakeError("corrupt", f"{NAMES_KO[ext]} 파일이 손상되어 읽을 수 없습니다.",
                          f"{type(exc).__name__}: {exc}") from exc
    if not paragraphs:
        raise IntakeError("empty", "문서에서 읽을 수 있는 글자가 없습니다.")
    return Document(name, ext, paragraphs, pages)
