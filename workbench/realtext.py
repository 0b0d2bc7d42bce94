"""Real company text with weak labels (``shared/realtext/``): loading and the figures `workbench evaluate` reports.

The dev set holds real listed companies — 업종명 and 주요제품 as the exchange publishes them — with weak item
labels derived from investor theme tags (see its README). It is for evaluation and for choosing settings only:
never a training row, never copied into the repository. A hit means "one of the labelled items", so every figure
is a lower bound of the true one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.config import PROJECT_ROOT
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.model import Taxonomy

REALTEXT = Path(os.environ.get("WORKBENCH_REALTEXT",
                               PROJECT_ROOT.parent / "shared" / "realtext" / "listed_companies_dev.csv"))
LOWER_BOUND_NOTE = ("Weak labels (investor theme tags mapped to items): a company may do more than its tags say, "
                    "so every real-text figure is a lower bound of the true one.")


@dataclass
class RealText:
    records: list[CompanyRecord]  # 업종명 + 주요제품 only, as a real portfolio often holds
    labels: list[frozenset[str]]  # weak item codes per company (at least one)
    path: Path


def load_realtext(path: Path, taxonomy: Taxonomy) -> RealText:
    """Read the dev file; item names are matched to ``taxonomy``'s codes (an unknown name is an error: the file
    and the criteria revision disagree, and silently dropping labels would flatter or hurt every figure)."""
    df = pd.read_csv(path, dtype=str).fillna("")
    missing = {"industry_name", "main_products", "weak_items"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: columns {sorted(missing)} missing")
    code_by_name = {i.name: i.code for i in taxonomy.items}
    unknown = sorted({n for cell in df.weak_items for n in cell.split("|") if n and n not in code_by_name})
    if unknown:
        raise ValueError(f"{path}: item names not in revision {taxonomy.revision}: {unknown[:5]}")
    records = [CompanyRecord(industry_name=r.industry_name, main_product=r.main_products) for r in df.itertuples()]
    labels = [frozenset(code_by_name[n] for n in cell.split("|") if n) for cell in df.weak_items]
    keep = [i for i, lab in enumerate(labels) if lab]
    return RealText([records[i] for i in keep], [labels[i] for i in keep], Path(path))


def missing_realtext(path: Path) -> dict:
    """The section written when the dev file is absent; under CI (CI=true) its absence is an error."""
    if os.environ.get("CI") == "true":
        raise FileNotFoundError(f"real-text dev set not found at {path} (CI=true requires it; "
                                "set WORKBENCH_REALTEXT to its path)")
    return {"missing": str(path)}
