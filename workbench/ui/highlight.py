"""HTML-safe rendering of the company's own text with contributing keywords marked.

Every piece of user text is HTML-escaped *before* any markup is added; only ``<mark>`` elements built
here (with escaped attributes) are ever inserted. Keyword spans come from the recommender relative to
the field's text *after* whitespace normalisation (``" ".join(text.split())``, see
``workbench.recommend.text.compose``); :func:`highlight_field` maps them back onto the raw text so the
examiner sees what was typed, line breaks included.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workbench.recommend.types import Keyword

__all__ = ["Mark", "escape", "highlight", "highlight_field", "keyword_marks", "normalized_offsets"]


def escape(value: object) -> str:
    """``html.escape`` of ``str(value)`` with quotes escaped (``None`` becomes an empty string)."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True)
class Mark:
    """A character range ``[start, end)`` of the raw text to mark, with the keyword's signed weight."""

    start: int
    end: int
    weight: float = 0.0
    label: str = ""


def normalized_offsets(raw: str) -> list[int]:
    """For each character of ``" ".join(raw.split())`` its index in ``raw``."""
    out: list[int] = []
    pending_space: int | None = None
    for i, ch in enumerate(raw):
        if ch.isspace():
            if out and pending_space is None:
                pending_space = i
            continue
        if pending_space is not None:
            out.append(pending_space)
            pending_space = None
        out.append(i)
    return out


def _find_all(haystack: str, needle: str) -> Iterable[tuple[int, int]]:
    if not needle:
        return
    lower_h, lower_n = haystack.lower(), needle.lower()
    start = lower_h.find(lower_n)
    while start >= 0:
        yield start, start + len(needle)
        start = lower_h.find(lower_n, start + len(needle))


def keyword_marks(raw: str, keywords: Sequence[Keyword], field: str) -> list[Mark]:
    """Marks on ``raw`` for the keywords of ``field``.

    Spans are read on the normalised text (the recommender's convention) unless only the raw text has the
    keyword there; a keyword without usable spans is found by a case-insensitive search of its text.
    """
    norm = " ".join(raw.split())
    offsets = normalized_offsets(raw)
    marks: list[Mark] = []
    for kw in keywords:
        if kw.field != field or not kw.text.strip():
            continue
        found: list[tuple[int, int]] = []
        for start, end in kw.spans or []:
            if 0 <= start < end <= len(raw) and raw[start:end].lower() == kw.text.lower() and \
                    norm[start:end].lower() != kw.text.lower():
                found.append((start, end))  # span given on the raw text
            elif 0 <= start < end <= len(norm):
                found.append((offsets[start], offsets[end - 1] + 1))  # span on the normalised text
        if not found:
            found = list(_find_all(raw, kw.text.strip()))
        marks += [Mark(s, e, kw.weight, kw.text) for s, e in found]
    return marks


def highlight(raw: str, marks: Iterable[Mark]) -> str:
    """Escape ``raw`` and wrap each marked range in ``<mark>``; overlapping marks are merged.

    Merged marks keep the weight of largest magnitude. Positive weights get class ``kw-pos``, negative
    ones ``kw-neg``; the title attribute lists the keywords and weights.
    """
    raw = raw or ""
    spans = sorted((m for m in marks if 0 <= m.start < m.end <= len(raw)), key=lambda m: (m.start, -m.end))
    merged: list[tuple[int, int, float, list[str]]] = []
    for m in spans:
        note = f"{m.label} {m.weight:+.3f}" if m.label else f"{m.weight:+.3f}"
        if merged and m.start < merged[-1][1]:
            s, e, w, notes = merged[-1]
            merged[-1] = (s, max(e, m.end), m.weight if abs(m.weight) > abs(w) else w,
                          notes if note in notes else [*notes, note])
        else:
            merged.append((m.start, m.end, m.weight, [note]))
    parts: list[str] = []
    pos = 0
    for start, end, weight, notes in merged:
        parts.append(escape(raw[pos:start]))
        css = "kw-neg" if weight < 0 else "kw-pos"
        parts.append(f'<mark class="{css}" title="{escape(", ".join(notes))}">{escape(raw[start:end])}</mark>')
        pos = end
    parts.append(escape(raw[pos:]))
    return "".join(parts)


def highlight_field(raw: str, keywords: Sequence[Keyword], field: str) -> str:
    """Escaped ``raw`` with the keywords of ``field`` marked (the one call a view needs)."""
    return highlight(raw, keyword_marks(raw, keywords, field))
