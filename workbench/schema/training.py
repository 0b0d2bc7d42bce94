"""Training rows from the guarantor's judged history as real files come: pseudonymised (「데이터3법」 가명정보).

* **Labels** by 품목코드 or by 품목명 alone, read in the row's 기준차수 (blank: the training revision). A code
  of the revision today is taken as is; a code an official-code import replaced (``code_history.csv``) is read as
  its successor; a 품목명 that names a known item must name the same item as the code. A row of another revision
  is carried over by the old → new mapping of :mod:`workbench.taxonomy.diff` when that gives one item.
* **Identity fields are not required nor checked**: 대표자명 is dropped, a masked or invalid 사업자등록번호 is
  dropped (a valid one is kept so that a saved judgment of the same company replaces the row, see
  :func:`workbench.learning.merge_history`), 기업명 is kept only as the label of 유사 판별 사례.
* Every non-blank row is used or dropped under one reason (:data:`REASONS_KO`); nothing is dropped silently.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.schema.ingest import IngestError, canonical_columns, read_table
from workbench.schema.record import SPEC_BY_NAME, TEXT_FIELDS, CompanyRecord, brn_is_valid, validate_record
from workbench.taxonomy.diff import RevisionDiff, diff_revisions, relabel
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Item, Taxonomy, normalize_name

LABEL_FIELDS = ("theme_code", "theme_name", "field_code", "field_name", "item_code", "item_name", "revision")
NONE_LABELS = {normalize_name(s) for s in ("해당 없음", "해당사항 없음", "비해당", "없음")}
# how a used row's label was read
BASIS_KO = {"code": "품목코드", "name": "품목명", "earlier_code": "공식 코드 반영 전 코드 → 현재 코드",
            "revision": "다른 기준차수 → 개정 매핑"}
REASONS_KO = {
    "no_label": "품목코드·품목명 모두 공란",
    "none_label": "해당 없음 판정 (품목 학습에서 제외)",
    "unknown_code": "기준에 없는 품목코드",
    "unknown_name": "기준에 없는 품목명",
    "conflict": "품목코드와 품목명이 서로 다른 품목",
    "unknown_revision": "등록되지 않은 기준차수",
    "no_successor": "개정으로 후속 품목이 없거나 여럿 (재판정 필요)",
    "no_text": "사업 내용 없음 (업종명·주요제품·제품용도·기술사업명 모두 공란)",
}
ERRORS_KO = {"format": "형식 오류", "unknown": "없는 코드", "checksum": "검증번호 오류", "characters": "입력할 수 없는 문자",
             "length": "길이 초과", "blank": "공란", "inconsistent": "불일치"}


@dataclass
class TrainingRows:
    """The rows a model trains on, and every other row with the reason it was left out."""

    revision: str
    records: list[CompanyRecord] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # spreadsheet row number of each record (header: row 1)
    basis: Counter = field(default_factory=Counter)  # BASIS_KO key → rows used
    dropped: dict[str, list[int]] = field(default_factory=dict)  # reason (Korean) → row numbers
    blank_rows: list[int] = field(default_factory=list)

    def drop(self, reason: str, row: int) -> None:
        self.dropped.setdefault(reason, []).append(row)

    def summary_lines(self) -> list[str]:
        """What was used and what was dropped, per reason with the first row numbers (Korean)."""
        n_dropped = sum(len(v) for v in self.dropped.values())
        out = [f"학습 데이터 (기준 {self.revision}차): 사용 {len(self.records):,}행, 제외 {n_dropped:,}행"
               + (f", 빈 행 {len(self.blank_rows):,}개" if self.blank_rows else "")]
        out += [f"  사용 · 라벨 {BASIS_KO[k]}: {v:,}행" for k, v in self.basis.items()]
        for reason, rows in sorted(self.dropped.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")
            out.append(f"  제외 · {reason}: {len(rows):,}행 (행 {shown})")
        return out


class _Labels:
    """Resolves a row's label into a code of the training revision (diffs to other revisions cached)."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._diffs: dict[str, RevisionDiff] = {}

    @staticmethod
    def in_revision(tax: Taxonomy, code: str, name: str) -> tuple[str | None, str]:
        """(code, basis) in ``tax``, or (None, reason)."""
        named = tax.item_named(name) if name else None
        if not code:
            return (named.code, "name") if named else (None, "unknown_name")
        candidates = [(c, basis) for c, basis in ((code, "code"), (tax.current_code(code), "earlier_code"))
                      if c in tax.item_by_code]
        if named is not None:  # the name decides between a code of today and the same code before an import
            return next(((c, b) for c, b in candidates if c == named.code), (None, "conflict"))
        return candidates[0] if candidates else (None, "unknown_code")

    def resolve(self, code: str, name: str, revision: str) -> tuple[str | None, str]:
        code, name = code.strip().upper(), name.strip()
        if not code and not name:
            return None, "no_label"
        if normalize_name(code or name) in NONE_LABELS:
            return None, "none_label"
        if not revision or revision == self.taxonomy.revision:
            return self.in_revision(self.taxonomy, code, name)
        try:
            old = load_taxonomy(revision)
        except KeyError:
            return None, "unknown_revision"
        found, why = self.in_revision(old, code, name)
        if found is None:
            return None, why
        if revision not in self._diffs:
            self._diffs[revision] = diff_revisions(old, self.taxonomy)
        successors = relabel(found, self._diffs[revision])
        return (successors[0], "revision") if len(successors) == 1 else (None, "no_successor")


def _labelled(rec: CompanyRecord, item: Item, tax: Taxonomy) -> CompanyRecord:
    info = tax.describe(item.code)
    return replace(rec, **{k: info[k] for k in LABEL_FIELDS if k in info}, revision=tax.revision)


def read_training(path: str | Path, taxonomy: Taxonomy | None = None) -> TrainingRows:
    """Training records of a judged-history file (CSV/XLSX) for ``taxonomy`` (default: the default revision)."""
    tax = taxonomy or load_taxonomy()
    df = read_table(path)
    mapping = canonical_columns(list(df.columns))
    names = list(mapping.values())
    if not {"item_code", "item_name"} & set(names):
        raise IngestError(f"{path}: 품목코드 또는 품목명 열이 없습니다 (missing item_code/item_name column)")
    if not set(TEXT_FIELDS) & set(names):
        raise IngestError(f"{path}: 사업 내용 열(업종명, 주요제품, 제품의 용도 및 특성, 기술사업명)이 없습니다")
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise IngestError(f"{path}: 같은 항목을 뜻하는 열이 여럿입니다: "
                          + ", ".join(SPEC_BY_NAME[n].label_ko for n in clashes))
    labels, out = _Labels(tax), TrainingRows(tax.revision)
    for n, row in enumerate(df.rename(columns=mapping)[list(mapping.values())].to_dict("records"), start=2):
        full = CompanyRecord.from_mapping(row)
        if not any(str(v).strip() for v in full.to_dict().values()):
            out.blank_rows.append(n)
            continue
        rec = replace(full, ceo_name="", business_reg_no=full.business_reg_no if brn_is_valid(full.business_reg_no)
                      else "", **dict.fromkeys(LABEL_FIELDS, ""))
        errors = validate_record(rec, required=())
        if errors:
            first = errors[0]
            out.drop(f"입력 오류: {SPEC_BY_NAME[first.field].label_ko} {ERRORS_KO.get(first.code, first.code)}", n)
            continue
        if not any(rec.text_fields.values()):
            out.drop(REASONS_KO["no_text"], n)
            continue
        code, why = labels.resolve(full.item_code, full.item_name, full.revision.strip())
        if code is None:
            out.drop(REASONS_KO[why], n)
            continue
        out.records.append(_labelled(rec, tax.item(code), tax))
        out.rows.append(n)
        out.basis[why] += 1
    return out


__all__ = ["BASIS_KO", "REASONS_KO", "TrainingRows", "read_training"]


def stratified_subset(records: list[CompanyRecord], per_item: int | None) -> list[CompanyRecord]:
    """The first ``per_item`` records of every item, in file order (all records when None)."""
    if per_item is None:
        return list(records)
    seen: dict[str, int] = {}
    out = []
    for r in records:
        if seen.get(r.item_code, 0) < per_item:
            out.append(r)
            seen[r.item_code] = seen.get(r.item_code, 0) + 1
    return out
