"""``workbench intake-bench``: how well proposals from generated documents stand in for typed fields.

For held-out records with known items, each format's document is generated, read and proposed; the proposed
fields are classified and compared with the typed fields' classification (same 1순위?) and with the true item
(top-3 hit). The generated documents state 업종코드/기술분류 in only some cases, as real ones do; the examiner types a
code the document lacks, so the same figures are also given for the form the examiner completes that way (text from
the document, codes typed where the document has none). The time from file to filled form (read + propose) is
measured on 20-page PDFs.
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import fields as dc_fields, replace
from pathlib import Path

import numpy as np

from workbench.intake.errors import IntakeError
from workbench.intake.propose import propose
from workbench.intake.testdocs.write import FORMATS, write_document
from workbench.recommend.recommender import Recommender
from workbench.recommend.text import has_text
from workbench.schema.record import CompanyRecord

TIMED_PAGES = 20
COMPARED = ("main_product", "product_use", "tech_project", "ksic_code", "nst_code")
CODES = ("ksic_code", "industry_name", "nst_code")  # what the examiner types when the document does not state it
STATED = ("both", "ksic", "nst", "none")  # :func:`stated_codes`, in report order


def stated_codes(proposed: CompanyRecord) -> str:
    """Which codes a document stated: 'both', 'ksic' (업종코드 only), 'nst' (기술분류 only) or 'none'."""
    ksic, nst = bool(proposed.ksic_code), bool(proposed.nst_code)
    return "both" if ksic and nst else "ksic" if ksic else "nst" if nst else "none"


def _key(record: CompanyRecord) -> tuple[str, ...]:
    return tuple(getattr(record, f.name) for f in dc_fields(record))


def with_typed_codes(proposed: CompanyRecord, typed: CompanyRecord) -> CompanyRecord:
    """The form after the examiner types the codes the document did not state (업종명 goes with its 업종코드)."""
    filled = {k: getattr(typed, k) for k in CODES if not getattr(proposed, "ksic_code" if k == "industry_name" else k)}
    return replace(proposed, **filled)


def _codes(rec: Recommender, records: list[CompanyRecord]) -> dict[tuple[str, ...], list[str]]:
    """Top-3 item codes per distinct record (a record without text gets none)."""
    unique = {_key(r): r for r in records if has_text(r)}
    out = dict.fromkeys(map(_key, records), [])
    for r, result in zip(unique.values(), rec.recommend_batch(list(unique.values()))):
        out[_key(r)] = [it.item_code for it in result.items[:3]]
    return out


def run_intake_bench(rec: Recommender, records: list[CompanyRecord], *, timed: int = 20,
                     formats: tuple[str, ...] = FORMATS, wording: str = "house", log=print) -> dict:
    """Figures per format and the p95 time of a 20-page PDF; ``records`` carry their true ``item_code``.
    ``wording="unseen"`` or ``"brochure"`` generates documents worded as the rules were never written for (held-out
    checks)."""
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # glyphs the font lacks (e.g. superscripts) are dropped
    proposed: dict[str, list[CompanyRecord]] = {f: [] for f in formats}
    seconds: dict[str, list[float]] = {f: [] for f in formats}
    errors: dict[str, int] = dict.fromkeys(formats, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(records):
            for fmt in formats:
                path = write_document(r, Path(tmp) / f"{i}.{fmt}", seed=i, wording=wording)
                start = time.perf_counter()
                try:
                    proposed[fmt].append(propose(path).record())
                except IntakeError:
                    errors[fmt] += 1
                    proposed[fmt].append(CompanyRecord())
                seconds[fmt].append(time.perf_counter() - start)
            if (i + 1) % 50 == 0:
                log(f"[intake-bench] {i + 1}/{len(records)} documents per format")
        pdf_times = []
        for i, r in enumerate(records[:timed]):
            path = write_document(r, Path(tmp) / f"long{i}.pdf", seed=10_000 + i, pages=TIMED_PAGES,
                                  wording=wording)
            start = time.perf_counter()
            propose(path)
            pdf_times.append(time.perf_counter() - start)
    typed = [CompanyRecord(**{k: getattr(r, k) for k in ("ksic_code", "industry_name", "main_product", "product_use",
                                                          "tech_project", "nst_code")}) for r in records]
    completed = {f: [with_typed_codes(p, t) for p, t in zip(proposed[f], typed)] for f in formats}
    codes = _codes(rec, typed + [p for f in formats for p in proposed[f] + completed[f]])
    typed_top = [codes[_key(t)] for t in typed]
    truth = [r.item_code for r in records]
    typed_hit3 = float(np.mean([y in t for y, t in zip(truth, typed_top)]))
    result = {"n": len(records), "wording": wording, "model_id": getattr(rec, "model_id_", ""), "typed_top3_hit": typed_hit3,
              "typed_top1": float(np.mean([bool(t) and t[0] == y for y, t in zip(truth, typed_top)])), "formats": {}}
    for fmt in formats:
        top = [codes[_key(p)] for p in proposed[fmt]]
        hit3 = float(np.mean([y in t for y, t in zip(truth, top)]))
        top_completed = [codes[_key(p)] for p in completed[fmt]]
        result["formats"][fmt] = {
            "same_top1_as_typed": _same_top1(top, typed_top),
            "top3_hit": hit3, "top3_gap_points": 100 * (typed_hit3 - hit3),
            "top1": float(np.mean([bool(t) and t[0] == y for y, t in zip(truth, top)])),
            "codes_typed": {"same_top1_as_typed": _same_top1(top_completed, typed_top),
                            "top3_hit": float(np.mean([y in t for y, t in zip(truth, top_completed)]))},
            "by_stated_codes": _by_stated_codes(proposed[fmt], top, typed_top),
            "refused": errors[fmt], "p95_seconds": float(np.percentile(seconds[fmt], 95)),
            "same_as_typed": {k: float(np.mean([getattr(p, k).rstrip(".") == getattr(r, k).rstrip(".")
                                                for p, r in zip(proposed[fmt], records)])) for k in COMPARED}}
    result["pdf_20_pages"] = {"n": len(pdf_times), **({"p50_seconds": float(np.percentile(pdf_times, 50)),
                                                        "p95_seconds": float(np.percentile(pdf_times, 95))}
                                                       if pdf_times else {})}  # --timed 0: none timed
    return result


def _same_top1(top: list[list[str]], typed_top: list[list[str]]) -> float:
    return float(np.mean([bool(t) and bool(u) and t[0] == u[0] for t, u in zip(top, typed_top)]))


def _by_stated_codes(proposed: list[CompanyRecord], top: list[list[str]],
                     typed_top: list[list[str]]) -> dict[str, dict]:
    """Documents and their same-1순위 share per :func:`stated_codes` (where the gap to the typed fields lies)."""
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(proposed):
        groups.setdefault(stated_codes(p), []).append(i)
    return {k: {"n": len(rows), "same_top1_as_typed": _same_top1([top[i] for i in rows], [typed_top[i] for i in rows])}
            for k in STATED if (rows := groups.get(k))}


def format_report(r: dict) -> str:
    lines = [f"intake-bench: {r['n']} held-out records per format, {r['wording']} wording, model {r['model_id']}",
             f"typed fields: top-1 {r['typed_top1']:.3f}, top-3 hit {r['typed_top3_hit']:.3f}",
             "format  same 1순위 as typed (≥0.90)  top-3 hit  gap (≤3 pts)  top-1  refused  p95 s"]
    for fmt, f in r["formats"].items():
        lines.append(f"{fmt:<7} {f['same_top1_as_typed']:>26.3f}  {f['top3_hit']:>9.3f}  {f['top3_gap_points']:>12.1f}"
                     f"  {f['top1']:.3f}  {f['refused']:>7}  {f['p95_seconds']:.3f}")
    lines.append("with the codes the document lacks typed by the examiner (text fields from the document):")
    for fmt, f in r["formats"].items():
        c = f["codes_typed"]
        lines.append(f"{fmt:<7} same 1순위 as typed {c['same_top1_as_typed']:.3f}  top-3 hit {c['top3_hit']:.3f}"
                     f"  gap {100 * (r['typed_top3_hit'] - c['top3_hit']):.1f} pts")
    lines.append("same 1순위 as typed by the codes the document states (both, ksic: 업종코드 only, nst: 기술분류 only, "
                 "none; documents):")
    for fmt, f in r["formats"].items():
        lines.append(f"{fmt:<7} " + "  ".join(f"{k} {g['same_top1_as_typed']:.3f} ({g['n']})"
                                             for k, g in f["by_stated_codes"].items()))
    lines.append("field equal to the typed value (업종코드/기술분류: documents state them in about 70%/60%):")
    for fmt, f in r["formats"].items():
        lines.append(f"{fmt:<7} " + "  ".join(f"{k} {v:.3f}" for k, v in f["same_as_typed"].items()))
    t = r["pdf_20_pages"]
    lines.append(f"20-page PDF, file → filled form ({t['n']} files): p50 {t['p50_seconds']:.3f} s, "
                 f"p95 {t['p95_seconds']:.3f} s (target ≤ 5 s)" if t["n"] else "20-page PDF: not timed (--timed 0)")
    return "\n".join(lines)


def write_report(r: dict, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")
    return out
