"""A PDF's text layer as fixed-width lines, page by page (PDFium through pypdfium2): each character where the page
draws it, lines by baseline, a word gap one space and a wider gap as many spaces as its width holds (so table
columns are runs of three or more spaces, which ``pdf_reader`` splits into cells), vertical gaps as blank lines.
Lines set in columns of prose (a brochure, a newsletter) are read column by column, from the left.
Characters drawn twice in the same place (Hancom Office's bold for a font without a bold face) are read once;
a page whose text runs sideways is read along its text, and characters turned against it are left out. Measured on
public Korean PDFs in docs/app.md ("PDF read with PDFium")."""
from __future__ import annotations

import ctypes
import math
import statistics
import threading
from bisect import bisect_left
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
COLUMN_SHARE = 0.4  # each of n columns of a run spans, gutter to gutter, this share of the page's text width × 2 / n
COLUMN_LINES = 2  # lines each column of a run needs, and lines with text on both sides of a gutter
COLUMN_FILL = 0.6  # a column's lines fill this share of its text's width (median): prose, not a table's labels
COLUMN_ALIGNED = 2 / 3  # this share of a column's lines start within two font sizes of its left edge (a table's
# centred or right-aligned cells do not) and read as prose (:func:`_prose`)
NEXT_IN_FILE = 3  # a character this close after another in the file's order follows it in the same run of text
GUTTER_SIMILAR = 0.5  # gutters of one run of columns are about as wide as each other
COLUMN_JOINED = 0.25  # a gutter the file's text runs across on more than this share of its lines is no gutter
EVEN_GAPS = 0.6  # a justified line's narrowest word gap is at least this share of its widest
SAME_SIZE = 1.08  # type larger or smaller than this: another block (a heading, a table), with a blank line before
RUN_BREAK = 2.0  # a line this many times a run's usual line pitch below the one before is not in it
APART = 1.5  # a line under a column further below its last line than this many times its line pitch is not its own
HEAD_ABOVE = 4.0  # a line heading columns lies at most this many of its font sizes above their first line
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
    order: int = 0  # its place in the file's order (PDFium's index; the spaces and line ends it puts in count)


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
        drawn.append((Char(chr(code), 0.0, 0.0, 0.0, size, order=i), math.atan2(matrix.b, matrix.a), (x.value, y.value),
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


def _type_size(line: list[Char]) -> float:
    """The line's type size: the median of its characters' (a superscript or one larger letter does not change it)."""
    return statistics.median(c.size for c in line)


def _free(line: list[Char], left: float, right: float, gap: float) -> list[tuple[float, float]]:
    """Stretches of [left, right] at least ``gap`` wide that no character of the line covers."""
    out, start = [], left
    for c in line:
        if c.x - start >= gap:
            out.append((start, c.x))
        start = max(start, c.right)
    return out + [(start, right)] if right - start >= gap else out


def _common(a: list[tuple[float, float]], b: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """The stretches of ``a`` and ``b`` that overlap, where at least ``gap`` wide."""
    return [(lo, hi) for a0, a1 in a for b0, b1 in b if (hi := min(a1, b1)) - (lo := max(a0, b0)) >= gap]


def _prose(line: list[Char], gap: float) -> bool:
    """Whether the line reads as a line of prose: no gap of ``gap`` or wider between its characters, or its word gaps
    stretched evenly (justified), unlike a table's cells or a diagram's boxes set apart among words."""
    gaps = [b.x - a.right for a, b in zip(line, line[1:])]
    words = [g for g, a in zip(gaps, line) if a.space_after or g >= SPACE_EM * a.size]
    return not words or max(words) < gap or min(words) >= EVEN_GAPS * max(words)


def _left(c: Char) -> float:
    return c.x


def _between(gutters: list[tuple[float, float]], left: float, right: float) -> list[tuple[float, float]]:
    """Where each column lies: the stretches from ``left`` to ``right`` between the ``gutters`` (left to right)."""
    return list(zip([left, *(b for _, b in gutters)], [*(a for a, _ in gutters), right]))


def _column_split(run: list[list[Char]], gutters: list[tuple[float, float]], page: tuple[float, float],
                  gap: float, short: float | None = None) -> list[list[list[Char]]] | None:
    """The run's lines cut at ``gutters`` (left to right) into columns, when the file's text does not run across a
    gutter on its lines (as it does along one line of justified prose, or along a table's row drawn row by row) and
    each column is one of prose: at least :data:`COLUMN_SHARE` × 2 / n of the ``page``'s text width (left, right)
    from gutter to gutter, :data:`COLUMN_LINES` lines or more, :data:`COLUMN_FILL` of its text's width filled by its
    lines (median) and :data:`COLUMN_ALIGNED` of them prose starting at its left edge; else None (a table's labels
    and values or its centred cells, a diagram, a caption). With ``short``, the left edge of the last column as the
    page's other columns have it, that column may hold one line, at the top and starting at that edge: the last line
    of a paragraph balanced over the columns the page is set in."""
    for _, g1 in gutters:  # no character lies in a gutter: those before its end lie before its start
        across = [(line[k - 1], line[k]) for line in run if 0 < (k := bisect_left(line, g1, key=_left)) < len(line)]
        if sum(0 < b.order - a.order <= NEXT_IN_FILE for a, b in across) > COLUMN_JOINED * len(across):
            return None
    columns = []
    for lo, hi in _between(gutters, *page):
        if hi - lo < 2 * COLUMN_SHARE * (page[1] - page[0]) / (len(gutters) + 1):
            return None
        lines = [side for line in run if (side := line[bisect_left(line, lo, key=_left):bisect_left(line, hi, key=_left)])]
        short_last = (short is not None and len(columns) == len(gutters) and len(lines) == 1 and lines[0][0] in run[0]
                      and abs(lines[0][0].x - short) < 2 * lines[0][0].size)  # at the top, from the column's edge
        if len(lines) < COLUMN_LINES and not short_last:
            return None
        start, end = min(line[0].x for line in lines), max(line[-1].right for line in lines)
        fills = sorted((line[-1].right - line[0].x) / (end - start) for line in lines)
        if fills[len(fills) // 2] < COLUMN_FILL or sum(line[0].x - start < 2 * line[0].size and _prose(line, gap)
                                                       for line in lines) < COLUMN_ALIGNED * len(lines):
            return None
        columns.append(lines)
    return columns


def _set_apart(run: list[list[Char]], gutters: list[tuple[float, float]]) -> int:
    """How many of the run's last lines lie on one side of the ``gutters`` only and further below the line before them
    there than :data:`APART` times that column's usual line pitch: a heading or a note under the columns, not their
    last line."""
    def column(c: Char) -> int:
        return sum(c.x >= g[1] for g in gutters)

    spans = [(column(line[0]), column(line[-1])) for line in run]  # the columns each line has text in, first to last
    end = len(run)
    while end > COLUMN_LINES and spans[end - 1][0] == spans[end - 1][1]:
        k = spans[end - 1][0]
        above = [line[0].y for line, (first, last) in zip(run[:end - 1], spans) if first <= k <= last]
        pitches = sorted(a - b for a, b in zip(above, above[1:]))
        if len(pitches) < 2 or above[-1] - run[end - 1][0].y <= APART * pitches[len(pitches) // 2]:
            break
        end -= 1
    return len(run) - end


def _column_heads(line: list[Char], columns: list[list[list[Char]]],
                  gutters: list[tuple[float, float]]) -> list[list[Char]]:
    """The line just above ``columns`` cut at their ``gutters`` when it opens each of them — a heading over each
    column, or the columns' first lines in another type size than the rest: a part over every column, none across
    a gutter, each starting within two font sizes of its column's left edge, in type no smaller than the columns'
    text (within :data:`SAME_SIZE`) and at most :data:`HEAD_ABOVE` of its font sizes above their first line; else
    [] (a title across the page, a label over one column)."""
    parts = [[c for c in line if lo <= c.x and c.right <= hi] for lo, hi in _between(gutters, -math.inf, math.inf)]
    size, text_size = _type_size(line), _type_size([c for column in columns for ln in column for c in ln])
    if (sum(map(len, parts)) < len(line) or not all(parts) or SAME_SIZE * size < text_size
            or line[0].y - columns[0][0][0].y > HEAD_ABOVE * size):
        return []
    starts = [min(ln[0].x for ln in column) for column in columns]
    return parts if all(abs(part[0].x - start) < 2 * size for part, start in zip(parts, starts)) else []


def _gutters(run: list[list[Char]], common: list[tuple[float, float]],
             known: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Of the gaps the run's lines have in common, those that could part columns: text on both sides on
    :data:`COLUMN_LINES` lines or more (one, at a ``known`` gutter of the page's columns), and at least
    :data:`GUTTER_SIMILAR` times as wide as the widest (a few lines of justified prose may share a word gap by
    chance, narrower than the gutter)."""
    widest = max((b - a for a, b in common), default=0.0)
    return [(a, b) for a, b in common if b - a >= GUTTER_SIMILAR * widest
            and sum(line[0].right <= a and line[-1].x >= b for line in run) >= (
                1 if _known_edge((a, b), known) is not None else COLUMN_LINES)]


def _known_edge(gutter: tuple[float, float], known: list[tuple[float, float]]) -> float | None:
    """Where the column right of a ``known`` gutter that ``gutter`` overlaps starts, else None."""
    return next((b for a, b in known if min(gutter[1], b) > max(gutter[0], a)), None)


LineBlock = tuple[float, list[list[Char]]]  # lines in reading order and the left edge they are set from


def _blocks(lines: list[list[Char]], gap: float) -> list[LineBlock]:
    """The page's lines in reading order, as blocks with the left edge they are set from. A run of lines with gaps of
    at least ``gap`` in common (:func:`_gutters`) whose columns are prose (:func:`_column_split`) gives its columns
    from left to right, each from its own left; every other line is a block of one, from the page's left. A run ends
    at a line of another type size (a heading, a table), at one :data:`RUN_BREAK` times its usual line pitch below
    the line before, and at one with more than two gaps twice as wide (a table's row; narrower gaps are justified
    prose's stretched word gaps). A page whose first reading finds columns is read again knowing their gutters: there
    a short paragraph's last line at the top of the last column is read in it (:func:`_column_split`'s ``short``)."""
    if not lines:
        return []
    left, right = min(ln[0].x for ln in lines), max(ln[-1].right for ln in lines)
    free = [_free(line, left, right, gap) for line in lines]
    sizes = [_type_size(line) for line in lines]
    in_run = [sum(left < a and b < right and b - a >= 2 * gap for a, b in f) <= 2 for f in free]

    def read(known: list[tuple[float, float]]) -> tuple[list[LineBlock], list[tuple[float, float]]]:
        """The blocks, and the gutters of the columns found."""
        blocks, found, i = [], [], 0
        while i < len(lines):
            common, j, split, pitches = free[i], i + 1, None, []
            while (in_run[i] and j < len(lines) and in_run[j]
                   and max(sizes[j - 1], sizes[j]) <= SAME_SIZE * min(sizes[j - 1], sizes[j])
                   and (not pitches or lines[j - 1][0].y - lines[j][0].y <= RUN_BREAK * statistics.median(pitches))
                   and (narrower := _common(common, free[j], gap))):
                common, j = narrower, j + 1
                pitches.append(lines[j - 2][0].y - lines[j - 1][0].y)
            if gutters := _gutters(lines[i:j], [(a, b) for a, b in common if left < a and b < right], known):
                j -= _set_apart(lines[i:j], gutters)
                edges = [_known_edge(g, known) for g in gutters]
                split = _column_split(lines[i:j], gutters, (left, right), gap, None if None in edges else edges[-1])
            if split:
                found.extend(gutters)
                if i and blocks[-1][1] == [lines[i - 1]] and (heads := _column_heads(lines[i - 1], split, gutters)):
                    blocks.pop()
                    split = [[head, *column] for head, column in zip(heads, split)]
                blocks.extend((min(line[0].x for line in column), column) for column in split)
                i = j
            else:
                blocks.append((left, [lines[i]]))
                i += 1
        return blocks, found

    blocks, gutters = read([])
    return read(gutters)[0] if gutters else blocks


def page_text(chars: list[Char], space_em: float) -> list[str]:
    """The page as fixed-width lines: indents in average character widths from the left of the page's text (of its
    column, for a column of prose set in columns: :func:`_blocks`), gaps in spaces of ``space_em`` font sizes (at least
    one for a word gap; a column's gap placed at its column), and as many blank lines as whole font sizes lie between
    two baselines beyond the first — at least one after a line of one cell in larger type than the next (a heading)
    and before a column that opens in larger type than the line before (its heading, after the previous column)."""
    if not chars:
        return []
    unit = sum(c.right - c.x for c in chars) / len(chars) or 1.0
    sizes = sorted(c.size for c in chars)
    blocks = _blocks(_lines(chars), COLUMN_SPACES * space_em * sizes[len(sizes) // 2])
    gaps = [[_letter_gaps(line) for line in block] for _, block in blocks]
    page_gap = _letter_gap(sorted(g for block in gaps for line in block for g in line), space_em)
    out: list[str] = []
    last_y = last_size = None
    for (left, block), block_gaps in zip(blocks, gaps):
        for k, (line, line_gaps) in enumerate(zip(block, block_gaps)):
            size = _type_size(line)
            if last_y is not None:
                heading = last_size > SAME_SIZE * size and " " * COLUMN_SPACES not in out[-1].strip()  # and its text
                head = k == 0 and len(block) > 1 and size > SAME_SIZE * last_size  # a column's heading after the last
                out.extend([""] * max(int((last_y - line[0].y) / line[0].size) - 1, int(heading or head)))
            last_y, last_size = line[0].y, size
            base = _letter_gap(line_gaps, space_em) if len(line_gaps) >= LINE_LETTERS else page_gap  # fonts differ
            out.append(_line_text(line, left, unit, base, space_em))
    return out


def _line_text(line: list[Char], left: float, unit: float, base: float, space_em: float) -> str:
    """One line as fixed-width text from ``left`` (see :func:`page_text`); ``base``: its gap between two letters of a
    word, in font sizes (:func:`_letter_gap`)."""
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
    return text.rstrip()


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
