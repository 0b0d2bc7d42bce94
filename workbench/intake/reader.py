"""The reader protocol: one class per format, each in its own module; a new format is a new module."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from workbench.intake.document import Paragraph


class Reader(Protocol):
    format: str  # pdf | docx | hwpx | hwp
    label_ko: str  # how the examiner names it: 'PDF', '한글(HWP)'

    def read(self, path: Path) -> tuple[list[Paragraph], int | None]:
        """Paragraphs in reading order and the page count (None for flowing formats); raises IntakeError."""
        ...
