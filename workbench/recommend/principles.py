"""Application-principle (적용원칙) screening: warnings for the examiner, from editable data."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from workbench.config import TAXONOMY_DIR
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.ksic import ksic_tables

PRINCIPLES_FILE = TAXONOMY_DIR / "application_principles.json"


@lru_cache(maxsize=2)
def _rules(path: Path = PRINCIPLES_FILE) -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["ksic_divisions"], [(re.compile(p["pattern"]), p["reason"]) for p in data["phrases"]]


@lru_cache(maxsize=2)
def _own_work(path: Path = PRINCIPLES_FILE) -> tuple[re.Pattern, re.Pattern]:
    data = json.loads(path.read_text(encoding="utf-8"))["exclusion"]
    return re.compile(data["negated_own_work"]), re.compile(data["own_work"])


def principle_warnings(record: CompanyRecord) -> list[str]:
    """Reasons the application principles may exclude this company; empty when none apply."""
    divisions, phrases = _rules()
    out = []
    codes = ksic_tables().to_ksic11(record.ksic_code, record.base_date) or [record.ksic_code.strip()]
    for code in codes[:1]:
        if code[:2] in divisions:
            out.append(f"적용원칙: {divisions[code[:2]]}")
    text = " ".join((record.main_product, record.product_use, record.tech_project))
    for pattern, reason in phrases:
        m = pattern.search(text)
        if m:
            out.append(f"적용원칙: {reason} ('{m.group(0)}')")
    return out


def exclusion_proposal(record: CompanyRecord) -> str:
    """Why the application principles suggest 해당 없음 ('' when they do not): the text describes distribution,
    merchandise or general-purpose parts and nothing of the company's own manufacturing or development. The
    examiner confirms or overrides; a KSIC 45–47 code alone stays a warning (measured: most such codes on
    otherwise innovative records are noise)."""
    _, phrases = _rules()
    negated, own = _own_work()
    text = " ".join((record.main_product, record.product_use, record.tech_project))
    hits = [(reason, m.group(0)) for pattern, reason in phrases if (m := pattern.search(text))]
    if not hits or own.search(negated.sub(" ", text)):
        return ""
    return "; ".join(f"{reason} ('{word}')" for reason, word in hits)
