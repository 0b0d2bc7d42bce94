"""Official codes for a revision whose codes were assigned by the workbench (`workbench taxonomy import-codes`).

The guarantor's code table (CSV/XLSX: 품목명 → 품목코드, optionally 테마코드/테마명 and 분야코드/분야명) is matched
to the revision's items **by name** after :func:`workbench.taxonomy.model.normalize_name` (spacing, bracket shapes,
middle dots, full-width forms, Latin case). Nothing is guessed: a name that matches no item is reported with the
closest item names as suggestions, and then nothing is written. Items the table does not name keep their
provisional codes.

What is written is revision data only (``taxonomy/<rev>/``): items, fields and themes with their official codes
and ``code_status``, KSIC links under the new codes, and one row per item in ``code_history.csv`` (version n:
old code → new code). :meth:`Taxonomy.current_code` reads that history, so judgments saved and models trained
under the earlier codes map onto the new ones, as an old → new mapping does for a criteria revision.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from workbench.config import TAXONOMY_DIR
from workbench.schema.ingest import canonical_columns, read_table
from workbench.taxonomy.loader import CODE_HISTORY_FILE, ITEM_RE, load_revision_dir, load_taxonomy, revision_dirs
from workbench.taxonomy.model import Taxonomy, normalize_name

HISTORY_COLUMNS = ["version", "old_code", "new_code", "item_name", "old_status", "new_status", "imported_at", "source"]


@dataclass
class Unmatched:
    """A table row whose 품목명 matches no item of the revision."""

    row: int  # as a spreadsheet shows it: the header is row 1
    name: str
    suggestions: list[str]  # closest item names of the revision (for the maintainer, never applied)


@dataclass
class CodeImport:
    """What an import found and did; nothing is written unless :attr:`ok`."""

    revision: str
    source: str
    matched: dict[str, str] = field(default_factory=dict)  # code before → official code
    names: dict[str, str] = field(default_factory=dict)  # code before → item name
    unmatched: list[Unmatched] = field(default_factory=list)
    not_in_table: list[str] = field(default_factory=list)  # items the table does not name: codes stay as they are
    problems: list[str] = field(default_factory=list)  # each one stops the import
    notes: list[str] = field(default_factory=list)
    version: int = 0  # the code_history version written (0: nothing written)

    @property
    def ok(self) -> bool:
        return not self.unmatched and not self.problems

    @property
    def changed(self) -> dict[str, str]:
        """Codes that differ after the import (before → after)."""
        return {old: new for old, new in self.matched.items() if old != new}

    def lines(self) -> list[str]:
        """The maintainer's report (Korean)."""
        out = [f"기준 {self.revision}차 공식 코드표 {self.source}: 품목명 일치 {len(self.matched)}개, "
               f"코드 변경 {len(self.changed)}개, 표에 없는 품목 {len(self.not_in_table)}개 (임시 코드 유지)"]
        out += [f"- 일치하는 품목명 없음: {u.row}행 '{u.name}'"
                + (f" (비슷한 품목: {', '.join(u.suggestions)} — 표의 품목명을 고쳐 다시 실행)" if u.suggestions else "")
                for u in self.unmatched]
        out += [f"- 오류: {p}" for p in self.problems]
        out += [f"- 참고: {n}" for n in self.notes]
        if self.not_in_table:
            shown = ", ".join(f"{c} {self.names.get(c, '')}".strip() for c in self.not_in_table[:10])
            more = f" 외 {len(self.not_in_table) - 10}개" if len(self.not_in_table) > 10 else ""
            out.append(f"- 표에 없어 임시 코드로 남는 품목: {shown}{more}")
        if self.version:
            out.append(f"기록함: 코드 이력 {self.version}차 ({CODE_HISTORY_FILE}), 이전 코드로 저장된 판정과 모델은 새 코드로 읽힙니다.")
        elif not self.ok:
            out.append("아무것도 쓰지 않았습니다: 위 항목을 고친 뒤 다시 실행하세요.")
        return out


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    df = read_table(path)
    mapping = canonical_columns(list(df.columns))
    missing = [ko for name, ko in (("item_name", "품목명"), ("item_code", "품목코드")) if name not in mapping.values()]
    if missing:
        raise ValueError(f"{path}: 열이 없습니다: {', '.join(missing)}")
    df = df.rename(columns=mapping)[list(dict.fromkeys(mapping.values()))]
    rows = []
    for n, row in enumerate(df.to_dict("records"), start=2):
        values = {k: str(v).strip() for k, v in row.items() if v is not None and str(v) != "nan"}
        if any(values.values()):
            rows.append((n, values))
    return rows


def plan_import(tax: Taxonomy, path: Path) -> tuple[CodeImport, dict[str, dict[str, str]]]:
    """Match the table to ``tax``: the report, and per matched item (code before) the table's 'item_code',
    'field_name' and 'theme_name'."""
    report = CodeImport(tax.revision, Path(path).name)
    report.names = {it.code: it.name for it in tax.items}
    by_name = tax.item_by_name
    official: dict[str, dict[str, str]] = {}
    used_codes: dict[str, int] = {}
    for n, r in _read_rows(Path(path)):
        name, code = r.get("item_name", ""), r.get("item_code", "").upper()
        if not name or not code:
            report.problems.append(f"{n}행: 품목명과 품목코드가 모두 있어야 합니다")
            continue
        if not ITEM_RE.match(code):
            report.problems.append(f"{n}행: 품목코드 '{code}'는 영문 대문자 1자 + 숫자 5자리가 아닙니다")
            continue
        for key, length, label in (("field_code", 3, "분야코드"), ("theme_code", 1, "테마코드")):
            if r.get(key) and r[key].upper() != code[:length]:
                report.problems.append(f"{n}행: {label} '{r[key]}'가 품목코드 {code}와 맞지 않습니다")
        it = tax.item_named(name)
        if it is None:
            close = difflib.get_close_matches(normalize_name(name), list(by_name), n=2, cutoff=0.6)
            report.unmatched.append(Unmatched(n, name, [by_name[c].name for c in close]))
            continue
        if it.code in official:
            report.problems.append(f"{n}행: 품목 '{it.name}'이(가) 표에 두 번 있습니다")
            continue
        if code in used_codes:
            report.problems.append(f"{n}행: 품목코드 {code}가 {used_codes[code]}행에도 있습니다")
            continue
        used_codes[code] = n
        official[it.code] = {"item_code": code, "field_name": r.get("field_name", ""),
                             "theme_name": r.get("theme_name", "")}
    report.matched = {old: o["item_code"] for old, o in official.items()}
    report.not_in_table = [it.code for it in tax.items if it.code not in official]
    taken = {o["item_code"]: old for old, o in official.items()}
    for code in report.not_in_table:
        if code in taken:
            report.problems.append(f"표에 없는 품목 {code} {report.names[code]}의 임시 코드가 "
                                   f"{report.names[taken[code]]}의 공식 코드와 같습니다: 이 품목의 공식 코드도 표에 넣으세요")
    return report, official


def _names_by_code(tax: Taxonomy, new_code: dict[str, str], official: dict[str, dict[str, str]], length: int,
                   key: str, report: CodeImport) -> dict[str, tuple[str, str]]:
    """Name and its basis of every new field (length 3) or theme (length 1) code."""
    label = "분야" if length == 3 else "테마"
    old_name = ({f.code: f.name for f in tax.fields} if length == 3 else {t.code: t.name for t in tax.themes})
    old_basis = {f.code: f.name_basis for f in tax.fields}
    out: dict[str, tuple[str, str]] = {}
    for code in sorted({c[:length] for c in new_code.values()}):
        members = [it for it in tax.items if new_code[it.code][:length] == code]
        given = {official[it.code][key] for it in members if it.code in official and official[it.code][key]}
        before = Counter(it.field_code if length == 3 else it.theme_code for it in members)
        if len(given) > 1:
            report.problems.append(f"{label} {code}의 이름이 표에서 여러 가지입니다: {', '.join(sorted(given))}")
        elif given:
            out[code] = (given.pop(), f"official code table ({report.source})")
        elif len(before) == 1:
            old = next(iter(before))
            out[code] = (old_name[old], old_basis.get(old, ""))
        elif length == 1:
            report.problems.append(f"테마 {code}의 품목이 여러 기존 테마({', '.join(old_name[c] for c in before)})에서 "
                                   "왔습니다: 표에 테마명 열을 넣으세요")
        else:
            old = before.most_common(1)[0][0]
            out[code] = (old_name[old], f"분야명 미제공: 기존 분야 {', '.join(sorted(before))} 중 다수의 이름")
            report.notes.append(f"분야 {code}의 품목이 기존 분야 {', '.join(sorted(before))}에서 왔습니다. 분야명을 "
                                f"'{old_name[old]}'(으)로 두었습니다: 공식 분야명이 있으면 표에 분야명 열을 넣으세요")
    return out


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def import_codes(path: str | Path, revision: str, root: Path = TAXONOMY_DIR, dry_run: bool = False) -> CodeImport:
    """Load an official code table into revision ``revision`` under ``root`` (see the module docstring).

    Writes only when every table row matches an item and no code clashes; the folder is checked by the loader
    before it replaces the revision's files. ``dry_run`` reports without writing.
    """
    path = Path(path)
    dirs = revision_dirs(root)
    if str(revision) not in dirs:
        raise KeyError(f"기준차수 {revision}는 {root}에 없습니다 (등록: {', '.join(dirs)})")
    folder = dirs[str(revision)]
    tax = load_revision_dir(folder)
    report, official = plan_import(tax, path)
    if report.problems or report.unmatched:
        return report
    new_code = {it.code: official[it.code]["item_code"] if it.code in official else it.code for it in tax.items}
    fields = _names_by_code(tax, new_code, official, 3, "field_name", report)
    themes = _names_by_code(tax, new_code, official, 1, "theme_name", report)
    if report.problems or dry_run:
        return report

    status = {new_code[c]: "official" if c in official else it.code_status
              for c, it in tax.item_by_code.items()}
    attested = {c[:n] for c, s in status.items() if s == "official" for n in (1, 3)}
    header, items = _read_csv(folder / "items.csv")
    for row in items:
        old = row["item_code"]
        row.update(item_code=new_code[old], field_code=new_code[old][:3], code_status=status[new_code[old]])
    items.sort(key=lambda r: r["item_code"])
    report.version = tax.codes_version + 1
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    history = [dict(zip(HISTORY_COLUMNS, (str(report.version), old, new, report.names[old],
                                          tax.item(old).code_status, "official", stamp, f"{path.name} sha256:{digest}")))
               for old, new in sorted(report.matched.items())]

    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        staged = Path(tmp) / folder.name
        shutil.copytree(folder, staged)
        _write_csv(staged / "themes.csv", ["theme_code", "theme_name", "code_status"],
                   [{"theme_code": c, "theme_name": n, "code_status": "official" if c in attested else "provisional"}
                    for c, (n, _) in themes.items()])
        _write_csv(staged / "fields.csv", ["field_code", "field_name", "theme_code", "name_basis", "code_status"],
                   [{"field_code": c, "field_name": n, "theme_code": c[0], "name_basis": basis,
                     "code_status": "official" if c in attested else "provisional"} for c, (n, basis) in fields.items()])
        _write_csv(staged / "items.csv", header, items)
        if (folder / "ksic_links.csv").exists():
            link_header, links = _read_csv(folder / "ksic_links.csv")
            for row in links:
                row["item_code"] = new_code[row["item_code"]]
            links.sort(key=lambda r: (r["item_code"], int(r["rank"])))
            _write_csv(staged / "ksic_links.csv", link_header, links)
        old_history = _read_csv(folder / CODE_HISTORY_FILE)[1] if (folder / CODE_HISTORY_FILE).exists() else []
        _write_csv(staged / CODE_HISTORY_FILE, HISTORY_COLUMNS, old_history + history)
        meta = json.loads((folder / "revision.json").read_text(encoding="utf-8"))
        meta["code_table"] = {"version": report.version, "file": path.name, "sha256": digest, "imported_at": stamp,
                              "official_items": sum(s == "official" for s in status.values())}
        (staged / "revision.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        load_revision_dir(staged)  # the written revision must load (raises TaxonomyError otherwise)
        for name in ("themes.csv", "fields.csv", "items.csv", "ksic_links.csv", CODE_HISTORY_FILE, "revision.json"):
            if (staged / name).exists():
                shutil.copy2(staged / name, folder / name)
    load_taxonomy.cache_clear()
    return report


__all__ = ["CodeImport", "Unmatched", "import_codes", "plan_import"]
