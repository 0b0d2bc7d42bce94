"""KSIC (한국표준산업분류) 10th and 11th revision tables and the official 10→11 concordance."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

from workbench.config import TAXONOMY_DIR
from workbench.taxonomy.model import normalize_name

KSIC_DIR = TAXONOMY_DIR / "ksic"
KSIC11_EFFECTIVE = date(2024, 7, 1)  # 제11차 한국표준산업분류 시행일: codes of earlier judgments are 10th-revision codes


def revision_on(day: str | date | None) -> int:
    """The KSIC revision in force on ``day`` (a 분류기준일 such as '2023-05-02', '20230502' or a date): 10 before
    ``KSIC11_EFFECTIVE``, else 11; 11 when the day is missing or unreadable."""
    if isinstance(day, date):
        return 10 if day < KSIC11_EFFECTIVE else 11
    digits = re.sub(r"\D", "", (day or "")[:10])
    if len(digits) != 8:
        return 11
    try:
        return revision_on(date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    except ValueError:
        return 11


@dataclass(frozen=True)
class KsicCode:
    code: str
    name: str
    level: int
    parent_code: str
    revision: int  # 10 or 11


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


class KsicTables:
    """Look-ups over both KSIC revisions. A 5-digit code is valid if either revision knows it."""

    def __init__(self, folder: Path = KSIC_DIR):
        self.codes: dict[int, dict[str, KsicCode]] = {}
        for rev in (10, 11):
            self.codes[rev] = {
                r["code"]: KsicCode(r["code"], r["name"], int(r["level"]), r["parent_code"], rev)
                for r in _rows(folder / f"ksic{rev}_codes.csv")
            }
        self.descriptions = {r["code"]: r for r in _rows(folder / "ksic11_descriptions.csv")}
        self._10_to_11: dict[str, list[str]] = {}
        for r in _rows(folder / "ksic10_to_11_concordance.csv"):
            self._10_to_11.setdefault(r["ksic10_code"], []).append(r["ksic11_code"])

    def lookup(self, code: str) -> KsicCode | None:
        """The 5-digit subclass in the 11th revision, else the 10th; None if unknown."""
        code = (code or "").strip()
        if len(code) != 5:
            return None
        return self.codes[11].get(code) or self.codes[10].get(code)

    def to_ksic11(self, code: str, on: str | date | None = None) -> list[str]:
        """11th-revision subclass code(s) for a 10th or 11th code (a split maps to several). ``on``: the record's
        분류기준일: before the 11th revision took effect, a code that means something else in each revision
        (:meth:`other_meaning`) is read as the 10th-revision code and mapped by the official concordance."""
        code = (code or "").strip()
        if revision_on(on) == 10 and self.other_meaning(code):
            return list(dict.fromkeys(self._10_to_11[code]))
        if code in self.codes[11] and len(code) == 5:
            return [code]
        return list(dict.fromkeys(self._10_to_11.get(code, [])))

    def ancestors(self, code11: str) -> list[str]:
        """Codes of the levels above an 11th-revision code: section, 2-, 3- and 4-digit."""
        out, cur = [], self.codes[11].get(code11)
        while cur is not None and cur.parent_code:
            out.append(cur.parent_code)
            cur = self.codes[11].get(cur.parent_code)
        return out[::-1]

    def other_meaning(self, code: str) -> str:
        """The 10th-revision name of a 5-digit code that means something else in the 11th revision (24 codes, e.g.
        27194: 의료용 가구 in the 10th, 정형외과용 기기 in the 11th — the official concordance maps it elsewhere),
        else ''."""
        code = (code or "").strip()
        old, new = self.codes[10].get(code), self.codes[11].get(code)
        if old is None or new is None or old.level != 5 or code in self._10_to_11.get(code, []):
            return ""
        return old.name

    def name(self, code: str) -> str:
        entry = self.lookup(code)
        return entry.name if entry else ""

    def named(self, name: str) -> list[KsicCode]:
        """Every code of either revision, any level, whose name is ``name`` (as :func:`_squashed` compares names):
        11th-revision codes first, deepest level first."""
        return self._by_name.get(_squashed(name), [])

    def subclass_named(self, name: str) -> str:
        """The 5-digit code ``name`` names when one subclass of the 11th revision (else of the 10th) has that name,
        else '' — a name that several subclasses share says no code."""
        for rev in (11, 10):
            codes = [c.code for c in self.named(name) if c.revision == rev and c.level == 5]
            if codes:  # a 10th-revision code that the 11th gives another meaning would be read as the 11th's
                return codes[0] if len(codes) == 1 and not (rev == 10 and self.other_meaning(codes[0])) else ""
        return ""

    @cached_property
    def _by_name(self) -> dict[str, list[KsicCode]]:
        out: dict[str, list[KsicCode]] = {}
        for rev in (11, 10):
            for entry in sorted(self.codes[rev].values(), key=lambda c: -c.level):
                out.setdefault(_squashed(entry.name), []).append(entry)
        return out


def _squashed(name: str) -> str:
    """A name as compared: :func:`~workbench.taxonomy.model.normalize_name`, a section's division range
    ('제조업(10~34)') left out."""
    return re.sub(r"\(\d+~\d+\)$", "", normalize_name(name or ""))


@lru_cache(maxsize=1)
def ksic_tables() -> KsicTables:
    return KsicTables()
