"""A PDF's text layer as fixed-width lines, page by page (PDFium through pypdfium2): each character where the page
draws it, lines by baseline, a word gap one space and a wider gap as many spaces as its width holds (so table
columns are runs of three or more spaces, which ``pdf_reader`` splits into cells), vertical gaps as blank lines.
Characters drawn twice in the same place (Hancom Office's bold for a font without a bold face) are read once;
a page whose text runs sideways is read along its text, and characters turned against it are left out. Measured on
public Korean PDFs in docs/app.md ("PDF read with PDFium")."""
from __future__ import annotations

import ctypes
import math
import statistics
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from workbench.intake.errors import IntakeError

PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD: the file needs a password to be opened
SPACE_EM = 0.3  # a word gap, in font sizes, on a page whose characters give no space of their own to measure
WORD_GAP = 0.75  # a gap this share of a space or wider is a word gap where no space is drawn
SAME_PLACE = 0.3  # the same character again within this share of its width: drawn twice, read once
COLUMN_SPACES = 3  # a gap this many spaces wide or wider separates columns (the reader splits cells there)
LINE_LETTERS = 8  # letter pairs a line needs for its own letter gap; a shorter line takes the page's
ROTATED = 0.05  # radians: a character turned more than this from the page's text is rotated text
_PDFIUM = threading.Lock()  # PDFium is not thread-safe; the app reads uploads in its server's threads


@dataclass(slots=True)
class Char:
    """One drawn character, in page points."""

    text: str
    x: float  # left end and baseline, in the frame of the page's text
    y: float
    right: float
    size: float  # as drawn, in points
    space_after: bool = False  # a space follows in the file's order (drawn, or one PDFium puts at a word gap)


def _chars(textpage) -> tuple[list[Char], float]:
    """The page's drawn characters and the width of its drawn spaces in font sizes (their median; :data:`SPACE_EM`
    without any). Places are taken in the frame of
    the page's text: a page turned by /Rotate, or a landscape table set sideways, has its lines along its text, and
    characters turned against most of the page's (a sideways label) are left out."""
    import pypdfium2.raw as pdfium_c

    tp, drawn, spaces = textpage.raw, [], []
    x, y = ctypes.c_double(), ctypes.c_double()
    box, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    for i in range(pdfium_c.FPDFText_CountChars(tp)):
        code = pdfium_c.FPDFText_GetUnicode(tp, i)
        if code == 32 or (32 < code < 0x110000 and chr(code).isspace()):
            if drawn:
                drawn[-1][0].space_after = True
            if pdfium_c.FPDFText_IsGenerated(tp, i) != 1 and drawn and pdfium_c.FPDFText_GetLooseCharBox(tp, i, box):
                spaces.append((_corners(box), drawn[-1][0].size))
            continue
        if (code < 32 or 0xD800 <= code < 0xE000 or code >= 0x110000 or pdfium_c.FPDFText_IsGenerated(tp, i) == 1
                or not pdfium_c.FPDFText_GetLooseCharBox(tp, i, box) or not pdfium_c.FPDFText_GetMatrix(tp, i, matrix)):
            continue
        # the font size as drawn: Tf's size scaled by the text and page matrices (Hancom sets Tf 108 and scales 0.12)
        size = abs(pdfium_c.FPDFText_GetFontSize(tp, i)) * math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        if size <= 0:
            continue
        pdfium_c.FPDFText_GetCharOrigin(tp, i, x, y)
        drawn.append((Char(chr(code), 0.0, 0.0, 0.0, size), math.atan2(matrix.b, matrix.a), (x.value, y.value),
                      _corners(box)))
    if not drawn:
        return [], SPACE_EM
    turns = Counter(round(angle / ROTATED) for _, angle, _, _ in drawn)
    most = turns.most_common(1)[0][0]
    along = statistics.median(a for _, a, _, _ in drawn if round(a / ROTATED) == most)  # most of the text runs so
    cos, sin = math.cos(along), math.sin(along)
    chars = []
    for char, angle, (ox, oy), corners in drawn:
        if abs(math.remainder(angle - along, 2 * math.pi)) > ROTATED:
            continue
        char.x, char.right = _extent(corners, cos, sin)
        char.y = oy * cos - ox * sin
        chars.append(char)
    widths = sorted(w for corners, size in spaces for left, right in [_extent(corners, cos, sin)]
                    if (w := (right - left) / size) > 0)
    return chars, widths[len(widths) // 2] if widths else SPACE_EM


def _corners(box) -> tuple[tuple[float, float], ...]:
    return (box.left, box.bottom), (box.left, box.top), (box.right, box.bottom), (box.right, box.top)


def _extent(corners: tuple[tuple[float, float], ...], cos: float, sin: float) -> tuple[float, float]:
    """Where a box starts and ends along the direction (cos, sin)."""
    ends = [cx * cos + cy * sin for cx, cy in corners]
    return min(ends), max(ends)


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Characters on one baseline (within half the smaller font size) make a line, left to right, top to bottom; a
    line less than a font size below the one before and beside it, not under it, joins it (a table's label centred
    beside a cell of two lines). Each character is read once (:func:`_once`)."""
    lines: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: -c.y):
        if lines and lines[-1][0].y - c.y < 0.5 * min(c.size, lines[-1][0].size):
            lines[-1].append(c)
        else:
            lines.append([c])
    joined: list[list[Char]] = []
    for line in lines:
        last = joined[-1] if joined else None
        if (last and last[0].y - line[0].y < min(last[0].size, line[0].size)
                and not any(a.x < b.right and b.x < a.right for a in last for b in line)):
            last.extend(line)
        else:
            joined.append(line)
    return [_once(sorted(line, key=lambda c: c.x)) for line in joined]


def _once(line: list[Char]) -> list[Char]:
    """The line with each character drawn twice in the same place (Hancom's bold) read once."""
    kept: list[Char] = []
    for c in line:
        if kept and c.text == kept[-1].text and c.x - kept[-1].x < SAME_PLACE * (kept[-1].right - kept[-1].x):
            kept[-1].space_after |= c.space_after
        else:
            kept.append(c)
    return kept


def _letter_gaps(line: list[Char]) -> list[float]:
    """Gaps between two letters side by side on the line, in font sizes, sorted (figures and punctuation have boxes
    of their own)."""
    return sorted((b.x - a.right) / a.size for a, b in zip(line, line[1:]) if a.text.isalpha() and b.text.isalpha())


def _letter_gap(gaps: list[float], space_em: float) -> float:
    """The gap between letters of a word: the median of ``gaps``, at most a space. Loose boxes overlap where a font's
    boxes are wider than its advances (Aspose), and letter-spaced text sets every letter apart; a word gap is
    measured beyond this."""
    return min(gaps[len(gaps) // 2], space_em) if gaps else 0.0


def page_text(chars: list[Char], space_em: float) -> list[str]:
    """The page as fixed-width lines: indents in average character widths, gaps in spaces of ``space_em`` font sizes
    (at least one for a word gap; a column's gap placed at its column), and as many blank lines as whole font sizes
    lie between two baselines beyond the first."""
    if not chars:
        return []
    left = min(c.x for c in chars)
    unit = sum(c.right - c.x for c in chars) / len(chars) or 1.0
    out: list[str] = []
    last_y = None
    lines = _lines(chars)
    line_gaps = [_letter_gaps(line) for line in lines]
    page_gap = _letter_gap(sorted(g for gaps in line_gaps for g in gaps), space_em)
    for line, gaps in zip(lines, line_gaps):
        if last_y is not None:
            out.extend([""] * max(int((last_y - line[0].y) / line[0].size) - 1, 0))
        last_y = line[0].y
        base = _letter_gap(gaps, space_em) if len(gaps) >= LINE_LETTERS else page_gap  # fonts differ line by line
        text, prev = " " * round((line[0].x - left) / unit), None
        for c in line:
            if prev is not None:
                space = space_em * max(c.size, prev.size)
                gap = c.x - prev.right - base * prev.size
                n = round(gap / space)
                if n >= COLUMN_SPACES or prev.space_after or gap >= WORD_GAP * space:
                    n = max(1, n)
                    if n >= COLUMN_SPACES:  # a column: placed where it starts on the page, as the indents are
                        n = max(COLUMN_SPACES, round((c.x - left) / unit) - len(text))
                    text += " " * n
            text += c.text
            prev = c
        out.append(text.rstrip())
    return out


def pdf_pages(path: Path) -> list[list[str]]:
    """Every page of the PDF at ``path`` as fixed-width lines (see :func:`page_text`). A file that needs a password
    is refused; any other failure of PDFium is left to the caller."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == PASSWORD_ERROR:
                raise IntakeError("encrypted", "암호가 걸린 PDF입니다. 암호를 해제한 파일을 올려 주세요.") from exc
            raise
        try:
            pages = []
            for page in pdf:
                textpage = page.get_textpage()
                pages.append(page_text(*_chars(textpage)))
                textpage.close()
                page.close()
            return pages
        finally:
            pdf.close()
