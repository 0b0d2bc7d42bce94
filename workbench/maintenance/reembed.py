"""Carry a fitted recommender over to a new criteria revision without retraining.

``reembed_revision(rec, new, out_dir)`` writes a new versioned model folder for revision ``new``; each score part
carries itself over (``ScorePart.remap``, in ``recommend/parts/``):

- **definitions**: only items whose definition text is new or changed are encoded (``kind="passage"``);
  every other item reuses the fitted vector of its own code or of its predecessor with the identical text
  (e.g. a moved item).
- **head** (one row per item of the new revision): kept codes keep their row; ``moved``/``recoded`` codes take
  their predecessor's row; a ``split`` gives every target the old row (the definition part tells them
  apart); a ``merged`` code gets the mean of its predecessors' rows with ``log(k)`` added to the intercept
  (mean logit + log k approximates the log of the summed probabilities); ``added`` codes get no learned row:
  zero weights and a low intercept, exactly as :meth:`Recommender.fit` treats items without training records,
  so they are reachable through the definition part. Rows of removed codes are dropped.
- **neighbours**: training rows are relabelled through the same mapping; rows of a split code go to the
  target whose definition vector is nearest to the record's sentence vector; rows of removed codes are
  dropped (their vectors are read back from the kNN index, which is then rebuilt).
- **code profiles**: each new item sums the judged KSIC/NST counts of its source items (as the head rows) and
  takes its KSIC links from the new revision, so an ``added`` item has a code profile from its links alone.
- **lexical part**: vocabulary and IDF are kept; the definitions' TF-IDF rows are recomputed from the new
  revision's texts (no encoder involved), so added or reworded items are scored on their new wording.
- scaler, structured features and fusion weights are unchanged; the manifest records the new
  ``taxonomy_revision`` and, under ``derived_from``, the model it came from; ``taxonomy_mapping.csv`` and
  ``reembed.json`` in the folder document the mapping and what was re-encoded.

The old model folder is untouched and still loads. This module only uses the model's public API
(:meth:`Recommender.with_revision`, ``save``, ``predict_proba``).

``evaluate_under_revision`` scores held-out records under the new revision: labels are relabelled through
the mapping (a split label accepts any of its targets, records of removed codes are left out).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.recommend.recommender import Recommender
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.diff import RevisionDiff, diff_revisions, proposed_mapping
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Taxonomy

MAPPING_FILE = "taxonomy_mapping.csv"
REPORT_FILE = "reembed.json"


@dataclass
class ReembedReport:
    """What carrying a model over to a new revision did."""

    old_model_id: str
    new_model_id: str
    old_revision: str
    new_revision: str
    encoded_codes: list[str]  # definitions encoded afresh
    reused_codes: list[str]  # definitions whose fitted vector was reused
    head_rows: dict[str, list[str]]  # how each new head row was obtained → codes
    train_rows_relabelled: int
    train_rows_dropped: int
    split_assignments: dict[str, dict[str, int]] = field(default_factory=dict)  # old code → target → n rows
    path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _as_record(obj: Any) -> CompanyRecord:
    if isinstance(obj, CompanyRecord):
        return obj
    data = obj if isinstance(obj, dict) else {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_")}
    return CompanyRecord.from_mapping({k: v for k, v in data.items() if isinstance(v, str | int | float)})


def model_chooser(rec: Recommender):
    """A split chooser for :func:`affected_records`: the candidate with the highest probability under ``rec``
    (a model of the new revision), given the row's text and codes."""
    index_of = {c: i for i, c in enumerate(rec.items_)}

    def choose(rows: list[Any], candidates: list[list[str]]) -> list[str]:
        records = [_as_record(r) for r in rows]
        P = rec.predict_proba(records)
        return [max(cands, key=lambda c: P[i, index_of[c]]) for i, cands in enumerate(candidates)]

    return choose


def carry_over(rec: Recommender, new: Taxonomy, diff: RevisionDiff | None = None,
               encoder=None) -> tuple[Recommender, ReembedReport]:
    """A new in-memory recommender for revision ``new`` (:meth:`Recommender.with_revision`, see the module
    docstring) and its report.

    ``encoder``: the encoder used for changed definitions (default the model's; tests pass a counting wrapper).
    It must be the model's encoder (same id), or the vectors would not be comparable.
    """
    out, done = rec.with_revision(new, diff, encoder=encoder)
    report = ReembedReport(
        old_model_id=rec.model_id_, new_model_id=out.model_id_, old_revision=rec.revision, new_revision=new.revision,
        encoded_codes=done["encoded_codes"], reused_codes=done["reused_codes"], head_rows=done["head_rows"],
        train_rows_relabelled=done["train_rows_relabelled"], train_rows_dropped=done["train_rows_dropped"],
        split_assignments=done["split_assignments"])
    return out, report


def reembed_revision(rec: Recommender, new: Taxonomy, out_dir: str | Path, diff: RevisionDiff | None = None,
                     encoder=None) -> Path:
    """Write the model carried over to revision ``new`` as ``out_dir/<new model id>``; return that folder.

    ``new.revision`` must be loadable with ``load_taxonomy`` (a folder under ``taxonomy/``), because
    ``Recommender.load`` reads the taxonomy by the revision id in the manifest.
    """
    try:
        installed = load_taxonomy(new.revision)
    except KeyError:
        raise ValueError(f"revision {new.revision!r} is not under taxonomy/; the new model could not be loaded") from None
    if installed.item_codes != new.item_codes:
        raise ValueError(f"revision {new.revision!r} under taxonomy/ differs from the one passed in")
    diff = diff or diff_revisions(rec.taxonomy_, new)
    model, report = carry_over(rec, new, diff, encoder=encoder)
    folder = Path(out_dir) / model.model_id_
    if folder.exists():
        raise FileExistsError(f"{folder} exists")
    model.save(folder)
    report.path = str(folder)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["derived_from"] = {"model_id": rec.model_id_, "taxonomy_revision": rec.revision,
                                "method": "workbench.maintenance.reembed", "mapping": MAPPING_FILE,
                                "report": REPORT_FILE, "diff": diff.counts()}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    proposed_mapping(diff).to_csv(folder / MAPPING_FILE, index=False, encoding="utf-8-sig")
    (folder / REPORT_FILE).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


# ---- evaluation under the new revision -----------------------------------------------------------------------
def relabel_records(records: Sequence[CompanyRecord], diff: RevisionDiff) -> pd.DataFrame:
    """Per record: old label, its kind of change and the accepted new codes ('' → left out: removed)."""
    succ, kind_of = diff.successors(), diff.kind_of()
    rows = []
    for i, r in enumerate(records):
        kind = kind_of.get(r.item_code, "unchanged")
        targets = succ.get(r.item_code, [r.item_code])
        rows.append({"row": i, "old_code": r.item_code, "kind": kind, "accepted": "|".join(targets)})
    return pd.DataFrame(rows, columns=["row", "old_code", "kind", "accepted"])


def pick_evaluation_records(records: Sequence[CompanyRecord], diff: RevisionDiff,
                            n_plain: int | None = None) -> list[CompanyRecord]:
    """Every record whose label the diff touches, plus the first ``n_plain`` others (all when None): a small
    held-out set that still exercises each kind of change."""
    kind_of = diff.kind_of()
    touched = [r for r in records if kind_of.get(r.item_code, "unchanged") != "unchanged"]
    plain = [r for r in records if kind_of.get(r.item_code, "unchanged") == "unchanged"]
    return touched + (plain if n_plain is None else plain[:n_plain])


def evaluate_under_revision(rec_new: Recommender, records: Sequence[CompanyRecord], diff: RevisionDiff,
                            rec_old: Recommender | None = None) -> dict:
    """Top-1 / top-3 of ``rec_new`` on held-out ``records`` labelled in ``diff.old_revision``.

    A label is relabelled through the diff: kept/moved/merged codes → their one successor; split codes accept
    any of their targets; records of removed codes are left out (counted in ``n_dropped``). With ``rec_old``
    the old model's top-1 / top-3 on the same (kept) records under their old labels is added for comparison.
    Returns ``{"overall": {...}, "by_kind": DataFrame, "per_record": DataFrame}``.
    """
    table = relabel_records(records, diff)
    kept = table[table.accepted != ""].reset_index(drop=True)
    recs = [records[i] for i in kept.row]
    P = rec_new.predict_proba(recs) if recs else np.zeros((0, len(rec_new.items_)))
    order = np.argsort(-P, axis=1)[:, :3]
    codes = np.asarray(rec_new.items_)
    top = codes[order] if len(recs) else np.zeros((0, 3), str)
    accepted = [set(a.split("|")) for a in kept.accepted]
    kept["pred_code"] = top[:, 0] if len(recs) else []
    kept["confidence"] = P.max(axis=1) if len(recs) else []
    kept["top1"] = [t[0] in a for t, a in zip(top, accepted)]
    kept["top3"] = [bool(set(t) & a) for t, a in zip(top, accepted)]
    overall = {"revision": rec_new.revision, "model_id": rec_new.model_id_, "n": len(kept),
               "n_dropped": int((table.accepted == "").sum()),
               "top1_accuracy": float(kept.top1.mean()) if len(kept) else None,
               "top3_hit_rate": float(kept.top3.mean()) if len(kept) else None}
    if rec_old is not None and recs:
        Po = rec_old.predict_proba(recs)
        y = np.array([rec_old.items_.index(r.item_code) for r in recs])
        o3 = np.argsort(-Po, axis=1)[:, :3]
        kept["old_top1"] = o3[:, 0] == y
        kept["old_top3"] = (o3 == y[:, None]).any(axis=1)
        overall.update({"old_revision": rec_old.revision, "old_top1_accuracy": float(kept.old_top1.mean()),
                        "old_top3_hit_rate": float(kept.old_top3.mean())})
    agg = {"n": ("top1", "size"), "top1_accuracy": ("top1", "mean"), "top3_hit_rate": ("top3", "mean")}
    if "old_top1" in kept:
        agg |= {"old_top1_accuracy": ("old_top1", "mean"), "old_top3_hit_rate": ("old_top3", "mean")}
    by_kind = kept.groupby("kind").agg(**agg).reset_index() if len(kept) else pd.DataFrame()
    return {"overall": overall, "by_kind": by_kind, "per_record": kept}


__all__ = ["ReembedReport", "carry_over", "evaluate_under_revision", "model_chooser", "pick_evaluation_records",
           "reembed_revision",
           "relabel_records"]
