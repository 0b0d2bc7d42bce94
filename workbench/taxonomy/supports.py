"""연계 우대지원: the preferential supports a company judged to belong to an item may apply for (editable data in
``taxonomy/preferential_supports.json``, with its source and date)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workbench.config import TAXONOMY_DIR

SUPPORTS_FILE = TAXONOMY_DIR / "preferential_supports.json"


@dataclass(frozen=True)
class Support:
    institution: str
    support: str

    def __str__(self) -> str:
        return f"{self.institution}: {self.support}"


@dataclass(frozen=True)
class SupportTable:
    supports: tuple[Support, ...]
    disclaimer_ko: str
    source: str
    as_of: str


@lru_cache(maxsize=2)
def load_supports(path: Path = SUPPORTS_FILE) -> SupportTable:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return SupportTable(tuple(Support(s["institution"], s["support"]) for s in data["supports"]),
                        data["disclaimer_ko"], data["source"], data["as_of"])


def supports_for(decision_type: str | None) -> tuple[Support, ...]:
    """The supports a final decision opens: every row for an item (accepted or chosen), none for 해당 없음."""
    return load_supports().supports if decision_type in ("accept", "other") else ()
