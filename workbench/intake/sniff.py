"""What a file really is, from its first bytes and (for zips) its member names, whatever its extension says."""
from __future__ import annotations

import zipfile
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NAMES_KO = {"pdf": "PDF", "docx": "Word(DOCX)", "hwpx": "한글(HWPX)", "hwp": "한글(HWP)", "ole": "구형 Office(OLE) 문서",
            "ooxml_encrypted": "암호가 걸린 Office(Word·Excel·PowerPoint) 문서", "zip": "ZIP 압축 파일",
            "png": "PNG 이미지", "jpeg": "JPEG 이미지", "text": "텍스트 파일", "unknown": "알 수 없는 형식"}


def sniff(path: Path) -> str:
    """'pdf', 'docx', 'hwpx', 'hwp' (an OLE file with HWP's FileHeader; the reader checks the rest),
    'ooxml_encrypted' (a password-protected DOCX/XLSX/PPTX: an OLE file holding the encrypted package), 'ole', 'zip',
    'png', 'jpeg', 'text' or 'unknown'."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" in head:  # the spec allows junk before the header; readers look in the first 1 KiB
        return "pdf"
    if head.startswith(OLE_MAGIC):
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("FileHeader"):
                return "hwp"
            return "ooxml_encrypted" if ole.exists("EncryptedPackage") else "ole"
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and zf.read("mimetype").strip() == b"application/hwp+zip":
                    return "hwpx"
                if any(n.startswith("Contents/section") for n in names):
                    return "hwpx"
                if "word/document.xml" in names:
                    return "docx"
        except zipfile.BadZipFile:
            return "unknown"
        return "zip"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    try:
        head.decode("utf-8")
        return "text" if head else "unknown"
    except UnicodeDecodeError:
        return "unknown"
