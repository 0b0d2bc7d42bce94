"""What changed between two criteria revisions, and what that means for codes already in use.

``diff_revisions(old, new)`` classifies every item change:

==================== ================================================================================
kind                 meaning
==================== ================================================================================
added                new code with no predecessor (and no old item of the same name)
removed              old code with no successor
renamed              code kept, name changed
description_changed  code kept, description or glossary notes changed (the definition text differs)
merged               several predecessors → one new code
split                one old code → several new codes
moved                one predecessor → one new code in another field
recoded              one predecessor → one new code in the same field
==================== ================================================================================

Successors are read from the new items' ``predecessor_codes``. A new code without predecessors that is not
an old code either falls back to an exact name match with an old item that has disappeared (so a revision
file that forgot ``predecessor_codes`` still yields moved/recoded instead of removed + added).

``proposed_mapping(diff)`` turns the diff into old_code → new_code candidate rows (split targets and removed
codes carry ``needs_review``: the choice is made per record), and ``affected_records(diff, rows)`` lists the
training records or saved judgments whose item is removed or changed, with the proposed new code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.taxonomy.model import Item, Taxonomy

KINDS = ("added", "removed", "renamed", "description_changed", "merged", "split", "moved", "recoded")
# kinds whose old code no longer exists in the new revision
CODE_GONE_KINDS = ("removed", "merged", "split", "moved", "recoded")
# kinds whose code survives but whose definition text changed
CODE_KEPT_KINDS = ("renamed", "description_changed")

KIND_KO = {"added": "신설", "removed": "삭제", "renamed": "명칭변경", "description_changed": "설명변경",
           "merged": "통합", "split": "분할", "moved": "분야이동", "recoded": "코드변경", "unchanged": "변경없음"}


@dataclass(frozen=True)
class ItemChange:
    """One change between two revisions; codes, names and fields on each side (empty tuple: none)."""

    kind: str
    old_codes: tuple[str, ...]
    new_codes: tuple[str, ...]
    old_names: tuple[str, ...] = ()
    new_names: tuple[str, ...] = ()
    old_fields: tuple[str, ...] = ()
    new_fields: tuple[str, ...] = ()
    basis: str = "predecessor_codes"  # predecessor_codes | code | name_match | none

    def __str__(self) -> str:
        old = " + ".join(self.old_codes) or "∅"
        new = ", ".join(self.new_codes) or "∅"
        return f"{self.kind}: {old} → {new}"


@dataclass
class RevisionDiff:
    """Item changes from ``old_revision`` to ``new_revision``, one list per kind (each sorted by code)."""

    old_revision: str
    new_revision: str
    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    renamed: list[ItemChange] = field(default_factory=list)
    description_changed: list[ItemChange] = field(default_factory=list)
    merged: list[ItemChange] = field(default_factory=list)
    split: list[ItemChange] = field(default_factory=list)
    moved: list[ItemChange] = field(default_factory=list)
    recoded: list[ItemChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # codes kept with an identical definition text
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_renamed: list[str] = field(default_factory=list)
    themes_added: list[str] = field(default_factory=list)
    themes_removed: list[str] = field(default_factory=list)
    themes_renamed: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[ItemChange]:
        """Every item change, in the order of :data:`KINDS`."""
        return [c for kind in KINDS for c in getattr(self, kind)]

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS} | {"unchanged": len(self.unchanged)}

    def is_empty(self) -> bool:
        return not self.changes and not any(getattr(self, f"{a}_{b}") for a in ("fields", "themes")
                                            for b in ("added", "removed", "renamed"))

    def successors(self) -> dict[str, list[str]]:
        """old code → new codes it lives on in (identity for kept codes; [] for removed codes)."""
        out: dict[str, list[str]] = {c: [c] for c in self.unchanged}
        for c in self.changes:
            if c.kind in CODE_KEPT_KINDS:
                out[c.old_codes[0]] = [c.old_codes[0]]
            elif c.kind == "removed":
                out[c.old_codes[0]] = []
            elif c.kind != "added":
                for o in c.old_codes:
                    out.setdefault(o, [])
                    out[o] += [n for n in c.new_codes if n not in out[o]]
        return out

    def kind_of(self) -> dict[str, str]:
        """old code → the kind of change it went through ('unchanged' for identical items)."""
        out = {c: "unchanged" for c in self.unchanged}
        for c in self.changes:
            for o in c.old_codes:
                out[o] = c.kind
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per change: kind (English and Korean), old and new codes/names/fields, basis."""
        rows = [{"kind": c.kind, "kind_ko": KIND_KO[c.kind], "old_codes": " + ".join(c.old_codes),
                 "old_names": " + ".join(c.old_names), "new_codes": ", ".join(c.new_codes),
                 "new_names": ", ".join(c.new_names), "old_fields": ", ".join(dict.fromkeys(c.old_fields)),
                 "new_fields": ", ".join(dict.fromkeys(c.new_fields)), "basis": c.basis} for c in self.changes]
        return pd.DataFrame(rows, columns=["kind", "kind_ko", "old_codes", "old_names", "new_codes", "new_names",
                                           "old_fields", "new_fields", "basis"])

    def lines(self) -> list[str]:
        """Human-readable lines in the style of ``taxonomy/rev7-hypothetical/EXPECTED_DIFF.md``."""
        out = [f"- renamed: {c.new_codes[0]} → {c.new_names[0]}" for c in self.renamed]
        out += [f"- description changed: {c.new_codes[0]}" for c in self.description_changed]
        out += [f"- merged: {' + '.join(c.old_codes)} → {c.new_codes[0]} {c.new_names[0]}" for c in self.merged]
        out += [f"- split: {c.old_codes[0]} → {', '.join(c.new_codes)}" for c in self.split]
        out += [f"- moved: {c.old_codes[0]} → {c.new_codes[0]} (field {c.new_fields[0]})" for c in self.moved]
        out += [f"- recoded: {c.old_codes[0]} → {c.new_codes[0]}" for c in self.recoded]
        out += [f"- added: {c.new_codes[0]} {c.new_names[0]}" for c in self.added]
        out += [f"- removed: {c.old_codes[0]}" for c in self.removed]
        return out

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items() if v)
        return f"revision {self.old_revision} → {self.new_revision}: {counts or 'no item changes'}"


def _change(kind: str, olds: Sequence[Item], news: Sequence[Item], basis: str) -> ItemChange:
    return ItemChange(kind, tuple(i.code for i in olds), tuple(i.code for i in news), tuple(i.name for i in olds),
                      tuple(i.name for i in news), tuple(i.field_code for i in olds),
                      tuple(i.field_code for i in news), basis)


def _named_diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    return (sorted(set(new) - set(old)), sorted(set(old) - set(new)),
            sorted(c for c in set(old) & set(new) if old[c] != new[c]))


def diff_revisions(old: Taxonomy, new: Taxonomy) -> RevisionDiff:
    """Classify every item change from ``old`` to ``new`` (see the module docstring)."""
    o, n = old.item_by_code, new.item_by_code
    diff = RevisionDiff(old.revision, new.revision)

    # successor links old code → new codes, from predecessor_codes, then from exact names of vanished items
    links: dict[str, list[str]] = {}
    basis: dict[str, str] = {}
    for item in new.items:
        for p in item.predecessor_codes:
            if p not in o:
                raise ValueError(f"item {item.code} of revision {new.revision} names predecessor {p!r}, "
                                 f"which is not an item of revision {old.revision}")
            links.setdefault(p, []).append(item.code)
            basis[item.code] = "predecessor_codes"
    linked_new = {c for cs in links.values() for c in cs}
    vanished_by_name = {i.name: i.code for i in old.items if i.code not in n and i.code not in links}
    for item in new.items:
        if item.code in o or item.code in linked_new:
            continue
        p = vanished_by_name.get(item.name)
        if p is not None and p not in links:
            links[p] = [item.code]
            basis[item.code] = "name_match"
            linked_new.add(item.code)

    # a code kept in the new revision that also gained successors is a split (the old code lives on in both)
    for p, cs in links.items():
        if p in n and p not in cs:
            cs.insert(0, p)

    preds_of: dict[str, list[str]] = {}
    for p, cs in links.items():
        for c in cs:
            preds_of.setdefault(c, []).append(p)

    for p, cs in sorted(links.items()):
        if len(cs) > 1:
            diff.split.append(_change("split", [o[p]], [n[c] for c in cs], basis.get(cs[-1], "predecessor_codes")))
    for c, ps in sorted(preds_of.items()):
        if c in o and ps == [c]:
            continue
        if len(ps) > 1:
            diff.merged.append(_change("merged", [o[p] for p in ps], [n[c]], basis.get(c, "predecessor_codes")))
        elif len(links[ps[0]]) == 1:
            p = ps[0]
            kind = "moved" if o[p].field_code != n[c].field_code else "recoded"
            if p == c:  # a code that names itself as predecessor: treat as kept
                continue
            getattr(diff, kind).append(_change(kind, [o[p]], [n[c]], basis.get(c, "predecessor_codes")))

    for item in new.items:
        c = item.code
        if c in o:
            before = o[c]
            if before.name != item.name:
                diff.renamed.append(_change("renamed", [before], [item], "code"))
            elif before.definition_text != item.definition_text:
                diff.description_changed.append(_change("description_changed", [before], [item], "code"))
            elif c not in links:
                diff.unchanged.append(c)
        elif c not in linked_new:
            diff.added.append(_change("added", [], [item], "none"))
    for item in old.items:
        if item.code not in n and item.code not in links:
            diff.removed.append(_change("removed", [item], [], "none"))

    diff.fields_added, diff.fields_removed, diff.fields_renamed = _named_diff(
        {f.code: f.name for f in old.fields}, {f.code: f.name for f in new.fields})
    diff.themes_added, diff.themes_removed, diff.themes_renamed = _named_diff(
        {t.code: t.name for t in old.themes}, {t.code: t.name for t in new.themes})
    for kind in KINDS:
        getattr(diff, kind).sort(key=lambda ch: (ch.old_codes or ch.new_codes))
    return diff


# ---- old → new mapping ---------------------------------------------------------------------------------------
MAPPING_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "kind", "kind_ko", "n_candidates",
                   "needs_review", "note"]


def proposed_mapping(diff: RevisionDiff, include_unchanged: bool = False) -> pd.DataFrame:
    """old_code → new_code candidates, one row per candidate.

    ``needs_review`` is True for split targets (which of the new codes fits is decided per record) and for
    removed codes (no successor: ``new_code`` is empty). Renamed / description-changed codes map to
    themselves (the code is kept, the meaning may have shifted). ``include_unchanged`` adds identity rows
    for untouched codes, giving a complete old → new table.
    """
    rows = []
    for c in diff.changes:
        if c.kind == "added":
            continue
        if c.kind == "removed":
            rows.append(dict(old_code=c.old_codes[0], old_name=c.old_names[0], new_code="", new_name="",
                             kind=c.kind, n_candidates=0, needs_review=True,
                             note="후속 품목 없음: 다른 품목으로 재판정 필요 (no successor)"))
            continue
        for i, (oc, on) in enumerate(zip(c.old_codes, c.old_names)):
            for nc, nn in zip(c.new_codes, c.new_names):
                note = {"merged": f"{' + '.join(c.old_codes)} 통합", "split": f"{len(c.new_codes)}개 품목으로 분할: 기업별 선택",
                        "moved": f"분야 {c.old_fields[i]} → {nc[:3]}", "recoded": "코드 변경",
                        "renamed": f"명칭 변경 ({on} → {nn})", "description_changed": "설명 변경"}[c.kind]
                rows.append(dict(old_code=oc, old_name=on, new_code=nc, new_name=nn, kind=c.kind,
                                 n_candidates=len(c.new_codes), needs_review=c.kind == "split", note=note))
    if include_unchanged:
        for code in diff.unchanged:
            rows.append(dict(old_code=code, old_name="", new_code=code, new_name="", kind="unchanged",
                             n_candidates=1, needs_review=False, note=""))
    df = pd.DataFrame(rows, columns=[c for c in MAPPING_COLUMNS if c != "kind_ko"])
    df.insert(df.columns.get_loc("kind") + 1, "kind_ko", df["kind"].map(KIND_KO))
    return df.sort_values(["old_code", "new_code"], kind="stable").reset_index(drop=True)


# ---- records and judgments pointing at changed codes ---------------------------------------------------------
AFFECTED_COLUMNS = ["source", "row", "company_name", "main_product", "old_code", "old_name", "kind", "kind_ko",
                    "proposed_code", "proposed_name", "candidates", "needs_review"]

# chooser(rows, candidates) → chosen code per row; rows are the record-like objects of the affected entries
SplitChooser = Callable[[list[Any], list[list[str]]], list[str]]


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


def _entries(rows: Any) -> list[tuple[str, Any, Any]]:
    """(source, row id, row) for CompanyRecords, JudgmentRows, dicts or a DataFrame."""
    if isinstance(rows, pd.DataFrame):
        return [("record", idx, r) for idx, r in zip(rows.index, rows.to_dict("records"))]
    out = []
    for i, r in enumerate(rows):
        is_judgment = any((name in r) if isinstance(r, dict) else hasattr(r, name)
                          for name in ("decision_type", "final_item_code"))
        if is_judgment:
            out.append(("judgment", _get(r, "id") if _get(r, "id") is not None else i, r))
        else:
            out.append(("record", i, r))
    return out


def affected_records(diff: RevisionDiff, rows: Iterable[Any] | pd.DataFrame, names: dict[str, str] | None = None,
                     chooser: SplitChooser | None = None, include_unchanged: bool = False) -> pd.DataFrame:
    """Training records / saved judgments whose item code was removed or changed by ``diff``.

    ``rows``: CompanyRecords (``item_code``), JudgmentRows from :class:`JudgmentStore` (``final_item_code``;
    judgments saved under another revision than ``diff.old_revision`` and 해당 없음 decisions are skipped),
    dicts or a DataFrame with ``item_code`` / ``품목코드`` / ``final_item_code``. ``proposed_code`` is the single
    successor; for split codes it is ``chooser``'s pick among ``candidates`` (empty without a chooser) and
    ``needs_review`` stays True. ``names``: new code → name (defaults to the names in the diff).
    """
    kind_of, succ = diff.kind_of(), diff.successors()
    new_names = {n: nm for c in diff.changes for n, nm in zip(c.new_codes, c.new_names)}
    old_names = {o: nm for c in diff.changes for o, nm in zip(c.old_codes, c.old_names)}
    new_names |= names or {}
    out, pending = [], []
    for source, row_id, r in _entries(rows):
        if source == "judgment":
            rev = _get(r, "taxonomy_revision")
            if rev and str(rev) != diff.old_revision:
                continue
            code = _get(r, "final_item_code")
        else:
            code = _get(r, "item_code", "품목코드", "final_item_code")
        if not code:
            continue
        code = str(code)
        kind = kind_of.get(code)
        if kind is None or (kind == "unchanged" and not include_unchanged):
            continue
        candidates = succ.get(code, [])
        proposed = candidates[0] if len(candidates) == 1 else ""
        entry = dict(source=source, row=row_id, company_name=_get(r, "company_name", "기업명") or "",
                     main_product=str(_get(r, "main_product", "주요제품") or "")[:80], old_code=code,
                     old_name=old_names.get(code, ""), kind=kind, kind_ko=KIND_KO[kind], proposed_code=proposed,
                     proposed_name=new_names.get(proposed, ""), candidates="|".join(candidates),
                     needs_review=kind in ("split", "removed"))
        if kind == "split":
            pending.append((len(out), r, candidates))
        out.append(entry)
    if chooser is not None and pending:
        picks = chooser([p[1] for p in pending], [p[2] for p in pending])
        for (pos, _, cands), pick in zip(pending, picks):
            if pick not in cands:
                raise ValueError(f"chooser picked {pick!r}, not one of {cands}")
            out[pos]["proposed_code"], out[pos]["proposed_name"] = pick, new_names.get(pick, "")
    return pd.DataFrame(out, columns=AFFECTED_COLUMNS)


def relabel(code: str, diff: RevisionDiff) -> list[str]:
    """The new codes an old label may become: [code] for kept codes, successors otherwise ([] if removed)."""
    return diff.successors().get(code, [code] if code not in diff.kind_of() else [])


__all__ = ["KINDS", "KIND_KO", "ItemChange", "RevisionDiff", "affected_records", "diff_revisions",
           "proposed_mapping", "relabel"]
