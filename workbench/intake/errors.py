"""Why a document cannot be read, in one Korean sentence the examiner can act on."""
from __future__ import annotations


class IntakeError(ValueError):
    """A document the workbench refuses to read. ``kind``: too_large | mismatch | unsupported | encrypted |
    scanned | garbled | corrupt | empty."""

    def __init__(self, kind: str, message_ko: str, detail: str = ""):
        self.kind, self.message_ko, self.detail = kind, message_ko, detail
        super().__init__(f"{kind}: {message_ko}" + (f" ({detail})" if detail else ""))

    @property
    def message(self) -> str:
        return self.message_ko
