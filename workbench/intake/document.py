"""A read document: its paragraphs in reading order, each with the page (PDF) or paragraph number it came from."""
from __future__ import annotations

from dataclasses import dataclass, field

from workbench.schema.record import BAD_CHARACTERS


@dataclass(frozen=True)
class Paragraph:
    """One paragraph or one table row (``cells`` set) of a document. ``page`` is 1-based for paged formats (PDF),
    None otherwise; ``index`` is the 1-based paragraph number in the whole document."""

    text: str
    index: int
    page: int | None = None
    cells: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """Its position as the examiner reads it: 'p.3' or '문단 12'."""
        return f"p.{self.page}" if self.page is not None else f"문단 {self.index}"


@dataclass
class Document:
    name: str
    format: str  # pdf | docx | hwpx | hwp
    paragraphs: list[Paragraph] = field(default_factory=list)
    pages: int | None = None


def _clean(text: str) -> str:
    """Whitespace collapsed; control characters (stray glyph codes, HWP control marks) as spaces — no form or
    database field accepts them."""
    return " ".join(BAD_CHARACTERS.sub(" ", text).split())


def numbered(blocks: list[tuple[str, int | None, tuple[str, ...]]]) -> list[Paragraph]:
    """Paragraphs from (text, page, cells) blocks in reading order: cleaned (:func:`_clean`), blanks dropped."""
    out: list[Paragraph] = []
    for text, page, cells in blocks:
        text = _clean(text)
        if text:
            out.append(Paragraph(text, len(out) + 1, page, tuple(_clean(c) for c in cells)))
    return out
