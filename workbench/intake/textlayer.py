"""Whether a PDF's text layer is text: a font without a Unicode map gives glyph numbers instead, read as control
characters, runs of punctuation or letters of other scripts (a known failure of every PDF library on some Korean
PDFs). Measured in docs/app.md ("Public HWP and HWPX files") on generated PDFs with and without their ToUnicode maps
and on 969 public PDFs (pdf.js's test files)."""
from __future__ import annotations

import re
import unicodedata

MAX_UNUSUAL = 0.35  # unusual share (see unusual_share) above this, with little Hangul: garbled
MIN_HANGUL = 0.2  # share of the letters: text with this much Hangul was read, whatever else it holds
REPEATS = re.compile(r"(.)\1{2,}")  # dot leaders of a table of contents (spaces removed first), ___, □□□: one each


def _usual_letter(c: str) -> bool:
    o = ord(c)
    return (c.isascii() or 0xC0 <= o <= 0xFF or _hangul(c) or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F
            or 0x3040 <= o <= 0x30FF or 0x4E00 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF)  # kana, Hanja, full width


def _hangul(c: str) -> bool:
    return 0xAC00 <= ord(c) <= 0xD7A3


def _unusual(c: str) -> bool:
    o = ord(c)
    if 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF:  # CJK and full-width punctuation: 「」、。《》（）
        return False
    return unicodedata.category(c)[0] in "CPS" or (c.isalpha() and not _usual_letter(c))


def unusual_share(text: str) -> float:
    """Share of the visible characters (repeats collapsed) that Korean or Western text rarely holds: control,
    format and private-use characters, punctuation and symbols, letters of other scripts."""
    visible = REPEATS.sub(r"\1", "".join(text.split()))
    return sum(map(_unusual, visible)) / max(len(visible), 1)


def garbled(text: str) -> bool:
    """Whether a text layer reads as glyph numbers rather than text (see :data:`MAX_UNUSUAL`)."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(map(_hangul, letters)) >= MIN_HANGUL * len(letters):
        return False
    return unusual_share(text) > MAX_UNUSUAL
