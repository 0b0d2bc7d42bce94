"""Learning from examiners: saved judgments become training labels, and how often examiners agree.

* :func:`saved_judgment_records` — the current decision per company (``store.latest_per_company()``: the newest
  judgment of each 사업자등록번호 that has not been corrected; superseded rows play no part) as labelled records:
  ``accept`` → the accepted recommendation's item, ``other`` → ``final_item_code``. ``none`` (해당 없음)
  gives no item label, so it is excluded from item training, but it is counted (:class:`SavedJudgments`)
  and it still replaces that company's history record: the examiner's latest word is that the company is
  not any item.
* :func:`train_with_saved` — history + saved judgments (a saved judgment replaces every history record of
  the same 사업자등록번호), retrained into a new versioned model folder under ``out_root``; the app and
  batch jobs pick the newest folder up on their next start (:func:`workbench.recommend.service.latest_model_dir`).
* :func:`agreement_report` — how often examiners accepted recommendation 1, 2 or 3, chose another item or
  decided 해당 없음, overall and by theme (the final item's theme; for 해당 없음 recommendation 1's theme).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.config import DEFAULT_ENCODER, DEFAULT_REVISION, MODELS_DIR
from workbench.schema.record import CompanyRecord, normalize_brn
from workbench.store.repository import JudgmentRow, JudgmentStore
from workbench.taxonomy.model import Taxonomy

OUTCOMES = ("accept1", "accept2", "accept3", "other", "none")
OUTCOME_LABELS_KO = {"accept1": "추천1 채택", "accept2": "추천2 채택", "accept3": "추천3 채택",
                     "other": "다른 품목 선택", "none": "해당 없음"}
ALL_KO = "전체"
UNKNOWN_THEME = ("-", "(분류체계에 없는 품목)")
REPORT_COLUMNS = ["테마코드", "테마명", "판정 수", *OUTCOME_LABELS_KO.values(),
                  "추천1 채택률", "추천1~3 채택률", "다른 품목 비율", "해당 없음 비율"]


@dataclass
class SavedJudgments:
    """The current saved decisions: labelled records for training, and what was left out and why."""

    records: list[CompanyRecord] = field(default_factory=list)  # accept / other, one per company
    none_reg_nos: set[str] = field(default_factory=set)  # companies decided 해당 없음 (no item label)
    skipped: list[str] = field(default_factory=list)  # item codes not in the training taxonomy (left out)
    counts: Counter = field(default_factory=Counter)  # decision_type → number of companies
    skipped_reg_nos: set[str] = field(default_factory=set, repr=False)

    @property
    def reg_nos(self) -> set[str]:
        """Every company the saved decisions speak for (labelled, 해당 없음 or skipped)."""
        return {normalize_brn(r.business_reg_no) for r in self.records} | self.none_reg_nos | self.skipped_reg_nos


def chosen_item_code(row: JudgmentRow) -> str | None:
    """The item a judgment settles on: the accepted recommendation's, the examiner's own, or None (해당 없음)."""
    if row.decision_type == "none":
        return None
    if row.final_item_code:
        return row.final_item_code
    if row.decision_type == "accept":
        ranked = {r.get("rank", i + 1): r for i, r in enumerate(row.recommendations)}
        return ranked.get(row.accepted_rank, {}).get("item_code")
    return None


def current_item_code(row: JudgmentRow, code: str | None, taxonomy: Taxonomy) -> str | None:
    """A code saved with ``row`` as ``taxonomy`` has it today: official-code imports since the save applied
    (codes of another revision are returned as they are)."""
    if code is None or row.taxonomy_revision != taxonomy.revision:
        return code
    return taxonomy.current_code(code, row.codes_version or 0)


def judgment_record(row: JudgmentRow, item_code: str, taxonomy: Taxonomy | None = None) -> CompanyRecord:
    labels = {"item_code": item_code, "item_name": row.final_item_name or "", "revision": row.taxonomy_revision}
    if taxonomy is not None and item_code in taxonomy.item_by_code:
        info = taxonomy.describe(item_code)
        labels.update({k: info[k] for k in ("item_code", "item_name", "field_code", "field_name", "theme_code",
                                             "theme_name")})
        labels["revision"] = taxonomy.revision
    return CompanyRecord(
        company_name=row.company_name, business_reg_no=row.business_reg_no, ceo_name=row.ceo_name,
        base_date=row.base_date.isoformat(), ksic_code=row.ksic_code or "", industry_name=row.industry_name or "",
        main_product=row.main_product or "", product_use=row.product_use or "", tech_project=row.tech_project or "",
        nst_code=row.nst_code or "", **labels)


def saved_judgments(store: JudgmentStore, taxonomy: Taxonomy | None = None) -> SavedJudgments:
    """The latest decision per company as :class:`SavedJudgments`. With ``taxonomy``, a judgment whose item
    is not in it is left out (``skipped``) rather than failing training."""
    out = SavedJudgments()
    for row in store.latest_per_company():
        out.counts[row.decision_type] += 1
        reg_no = normalize_brn(row.business_reg_no)
        code = chosen_item_code(row) if taxonomy is None else current_item_code(row, chosen_item_code(row), taxonomy)
        if code is None:
            out.none_reg_nos.add(reg_no)
        elif taxonomy is not None and code not in taxonomy.item_by_code:
            out.skipped.append(code)
            out.skipped_reg_nos.add(reg_no)
        else:
            out.records.append(judgment_record(row, code, taxonomy))
    return out


def saved_judgment_records(store: JudgmentStore) -> list[CompanyRecord]:
    """Labelled records of the current decisions (accept → accepted item, other → final item); 해당 없음
    is excluded (see :func:`saved_judgments` for the counts)."""
    return saved_judgments(store).records


def merge_history(history_records: list[CompanyRecord], saved: SavedJudgments) -> tuple[list[CompanyRecord], int]:
    """History without the companies the saved decisions speak for, plus the saved records; and how many
    history records were replaced."""
    replaced = saved.reg_nos
    kept = [r for r in history_records if not (normalize_brn(r.business_reg_no) and
                                               normalize_brn(r.business_reg_no) in replaced)]
    return kept + saved.records, len(history_records) - len(kept)


def train_with_saved(history_records: list[CompanyRecord], store: JudgmentStore, encoder: str = DEFAULT_ENCODER,
                     out_root: str | Path = MODELS_DIR, *, revision: str = DEFAULT_REVISION,
                     head_backend: str = "auto", show_progress: bool = False, **params) -> Path:
    """Retrain on the history plus the examiners' saved decisions; returns the new model folder
    (``out_root/<model id>``), which also holds ``training_sources.json`` (what went into training)."""
    from workbench.recommend.recommender import Recommender
    from workbench.taxonomy.loader import load_taxonomy

    taxonomy = load_taxonomy(revision)
    saved = saved_judgments(store, taxonomy)
    merged, n_replaced = merge_history(history_records, saved)
    rec = Recommender(encoder=encoder, head_backend=head_backend, revision=revision, show_progress=show_progress,
                      **params).fit(merged)
    path = rec.save(Path(out_root) / rec.model_id_)
    sources = {
        "model_id": rec.model_id_, "n_train_records": len(merged), "history_records": len(history_records),
        "history_records_replaced": n_replaced, "saved_accept": saved.counts["accept"],
        "saved_other": saved.counts["other"], "saved_none_excluded": saved.counts["none"],
        "saved_used": len(saved.records), "saved_skipped_unknown_item": sorted(set(saved.skipped)),
        "store": _safe_url(store),
    }
    (path / "training_sources.json").write_text(json.dumps(sources, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _safe_url(store: JudgmentStore) -> str:
    try:
        return store.engine.url.render_as_string(hide_password=True)
    except AttributeError:
        return ""


# ---- agreement --------------------------------------------------------------------------------------------

def outcome(row: JudgmentRow) -> str:
    if row.decision_type == "accept":
        return f"accept{row.accepted_rank}"
    return row.decision_type


def report_theme(row: JudgmentRow, taxonomy: Taxonomy) -> tuple[str, str]:
    """(theme code, theme name) a judgment is reported under: the final item's theme; for 해당 없음,
    recommendation 1's."""
    if row.decision_type == "none":
        ranked = {r.get("rank", i + 1): r for i, r in enumerate(row.recommendations)}
        code = ranked.get(1, {}).get("item_code")
    else:
        code = chosen_item_code(row)
    code = current_item_code(row, code, taxonomy)
    if code not in taxonomy.item_by_code:
        return UNKNOWN_THEME
    info = taxonomy.describe(code)
    return info["theme_code"], info["theme_name"]


def agreement_report(store: JudgmentStore, taxonomy: Taxonomy, latest_only: bool = True) -> pd.DataFrame:
    """Counts and shares of each outcome, first overall (테마코드 '전체') then per theme in the taxonomy's order.

    ``latest_only`` (default): the current decision per company, as training uses; otherwise every judgment
    that has not been corrected. Rates are fractions (0–1) of 판정 수.
    """
    rows = store.latest_per_company() if latest_only else store.list(include_superseded=False)
    overall: Counter = Counter()
    by_theme: dict[tuple[str, str], Counter] = {}
    for row in rows:
        o = outcome(row)
        overall[o] += 1
        by_theme.setdefault(report_theme(row, taxonomy), Counter())[o] += 1
    order = {t.code: i for i, t in enumerate(taxonomy.themes)}
    themes = sorted(by_theme, key=lambda t: (order.get(t[0], len(order)), t[0]))
    lines = [_report_line(ALL_KO, ALL_KO, overall)] + [_report_line(c, n, by_theme[(c, n)]) for c, n in themes]
    return pd.DataFrame(lines, columns=REPORT_COLUMNS)


def _report_line(code: str, name: str, counts: Counter) -> list:
    n = sum(counts.values())

    def rate(k: int) -> float:
        return round(k / n, 4) if n else 0.0

    accepted = counts["accept1"] + counts["accept2"] + counts["accept3"]
    return [code, name, n, *(counts[o] for o in OUTCOMES), rate(counts["accept1"]), rate(accepted),
            rate(counts["other"]), rate(counts["none"])]


def format_report(df: pd.DataFrame) -> str:
    """The report as a console table, shares as percentages."""
    shown = df.copy()
    for c in REPORT_COLUMNS[-4:]:
        shown[c] = shown[c].map(lambda v: f"{v:.1%}")
    return shown.to_string(index=False)


__all__ = ["SavedJudgments", "agreement_report", "format_report", "merge_history", "saved_judgment_records",
           "saved_judgments", "train_with_saved"]
