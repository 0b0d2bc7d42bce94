"""Load and validate criteria revisions stored as data under ``taxonomy/<dir>/``.

A revision folder holds ``revision.json``, ``themes.csv``, ``fields.csv``, ``items.csv`` and optionally
``ksic_links.csv`` and ``code_history.csv``. Codes follow theme letter + 2-digit field + 3-digit item (e.g. I30003);
each code carries ``code_status`` (official | provisional), so official codes replace provisional ones by editing
data only (``workbench taxonomy import-codes``, which records every replaced code in ``code_history.csv``).
"""
from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

from workbench.config import DEFAULT_REVISION, TAXONOMY_DIR
from workbench.taxonomy.model import CodeChange, Field, Item, KsicLink, Taxonomy, Theme

THEME_RE = re.compile(r"^[A-Z]$")
FIELD_RE = re.compile(r"^[A-Z]\d{2}$")
ITEM_RE = re.compile(r"^[A-Z]\d{5}$")
CODE_STATUSES = {"official", "provisional"}
CODE_HISTORY_FILE = "code_history.csv"


class TaxonomyError(ValueError):
    """A revision file is broken; the message names the file, the row and the problem."""

    def __init__(self, path: Path, row: int | None, problem: str):
        self.path, self.row, self.problem = path, row, problem
        where = f"{path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {problem}")


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise TaxonomyError(path, None, "file is missing")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise TaxonomyError(path, 1, f"missing column(s): {', '.join(missing)}")
        # row numbers as a spreadsheet shows them: header is row 1
        rows = []
        for n, row in enumerate(reader, start=2):
            if None in row:  # DictReader puts cells beyond the header under the key None
                raise TaxonomyError(path, n, f"row has {len(reader.fieldnames) + len(row[None])} cells but the "
                                             f"header has {len(reader.fieldnames)} (unquoted comma?)")
            rows.append((n, {k: (v or "").strip() for k, v in row.items()}))
        return rows


def _check(cond: bool, path: Path, row: int, problem: str) -> None:
    if not cond:
        raise TaxonomyError(path, row, problem)


def _unique(path: Path, row: int, code: str, seen: set[str]) -> None:
    _check(code not in seen, path, row, f"duplicate code {code!r}")
    seen.add(code)


def _status(path: Path, row: int, status: str) -> None:
    _check(status in CODE_STATUSES, path, row, f"code_status {status!r} must be one of {sorted(CODE_STATUSES)}")


def _read_meta(meta_path: Path) -> dict:
    if not meta_path.exists():
        raise TaxonomyError(meta_path, None, "file is missing")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TaxonomyError(meta_path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    if not isinstance(meta, dict) or not str(meta.get("revision", "")).strip():
        raise TaxonomyError(meta_path, None, "'revision' is missing")
    return meta


def load_revision_dir(folder: Path) -> Taxonomy:
    """Load one revision folder, validating every row; raises :class:`TaxonomyError`."""
    folder = Path(folder)
    meta = _read_meta(folder / "revision.json")
    revision = str(meta["revision"]).strip()

    themes, seen, theme_row = [], set(), {}
    p = folder / "themes.csv"
    for n, r in _read_csv(p, ["theme_code", "theme_name", "code_status"]):
        _check(bool(THEME_RE.match(r["theme_code"])), p, n, f"theme code {r['theme_code']!r} is not one capital letter")
        _check(bool(r["theme_name"]), p, n, "theme_name is blank")
        _status(p, n, r["code_status"])
        _unique(p, n, r["theme_code"], seen)
        theme_row[r["theme_code"]] = n
        themes.append(Theme(r["theme_code"], r["theme_name"], r["code_status"]))

    fields, seen, field_row = [], set(), {}
    p = folder / "fields.csv"
    for n, r in _read_csv(p, ["field_code", "field_name", "theme_code", "name_basis", "code_status"]):
        fc = r["field_code"]
        _check(bool(FIELD_RE.match(fc)), p, n, f"field code {fc!r} is not a letter + 2 digits")
        _check(r["theme_code"] in {t.code for t in themes}, p, n, f"unknown theme_code {r['theme_code']!r}")
        _check(fc.startswith(r["theme_code"]), p, n, f"field code {fc!r} does not start with its theme code")
        _check(bool(r["field_name"]), p, n, "field_name is blank")
        _status(p, n, r["code_status"])
        _unique(p, n, fc, seen)
        field_row[fc] = n
        fields.append(Field(fc, r["field_name"], r["theme_code"], r["name_basis"], r["code_status"]))
    field_theme = {f.code: f.theme_code for f in fields}

    items, seen, names = [], set(), set()
    p = folder / "items.csv"
    for n, r in _read_csv(p, ["item_code", "item_name", "field_code", "description", "code_status"]):
        ic = r["item_code"]
        _check(bool(ITEM_RE.match(ic)), p, n, f"item code {ic!r} is not a letter + 5 digits")
        _check(r["field_code"] in field_theme, p, n, f"unknown field_code {r['field_code']!r}")
        _check(ic.startswith(r["field_code"]), p, n, f"item code {ic!r} does not start with its field code")
        _check(bool(r["item_name"]), p, n, "item_name is blank")
        _check(bool(r["description"]), p, n, "description is blank")
        _status(p, n, r["code_status"])
        _unique(p, n, ic, seen)
        _check(r["item_name"] not in names, p, n, f"duplicate item name {r['item_name']!r}")
        names.add(r["item_name"])
        preds = tuple(c for c in r.get("predecessor_codes", "").split("|") if c)
        items.append(Item(ic, r["item_name"], r["field_code"], field_theme[r["field_code"]], r["description"],
                          r.get("notes", ""), r["code_status"], revision, preds))

    for f in fields:
        if not any(i.field_code == f.code for i in items):
            raise TaxonomyError(folder / "fields.csv", field_row[f.code], f"field {f.code} has no items")
    for t in themes:
        if not any(f.theme_code == t.code for f in fields):
            raise TaxonomyError(folder / "themes.csv", theme_row[t.code], f"theme {t.code} has no fields")

    links: list[KsicLink] = []
    p = folder / "ksic_links.csv"
    if p.exists():
        for n, r in _read_csv(p, ["item_code", "ksic11_code", "rank", "score", "method"]):
            _check(r["item_code"] in seen, p, n, f"unknown item_code {r['item_code']!r}")
            _check(bool(re.fullmatch(r"\d{5}", r["ksic11_code"])), p, n, f"KSIC code {r['ksic11_code']!r} is not 5 digits")
            try:
                links.append(KsicLink(r["item_code"], r["ksic11_code"], int(r["rank"]), float(r["score"]), r["method"]))
            except ValueError:
                raise TaxonomyError(p, n, "rank/score are not numbers") from None

    history: list[CodeChange] = []
    p = folder / CODE_HISTORY_FILE
    if p.exists():
        for n, r in _read_csv(p, ["version", "old_code", "new_code", "item_name"]):
            _check(r["version"].isdigit() and int(r["version"]) > 0, p, n, f"version {r['version']!r} is not 1, 2, …")
            _check(bool(ITEM_RE.match(r["old_code"])) and bool(ITEM_RE.match(r["new_code"])), p, n,
                   "old_code/new_code are not a letter + 5 digits")
            history.append(CodeChange(int(r["version"]), r["old_code"], r["new_code"], r["item_name"]))
        latest = max((c.version for c in history), default=0)
        for n, c in enumerate(history, start=2):
            _check(c.version < latest or c.new_code in seen, p, n, f"new_code {c.new_code!r} is not an item code")

    return Taxonomy(revision=revision, label=meta.get("label", revision), hypothetical=bool(meta.get("hypothetical")),
                    themes=themes, fields=fields, items=items, ksic_links=links, source=meta.get("source", ""),
                    code_history=history)


def revision_dirs(root: Path = TAXONOMY_DIR) -> dict[str, Path]:
    """Map revision id → folder for every folder under ``root`` holding a revision.json."""
    out: dict[str, Path] = {}
    for meta in sorted(Path(root).glob("*/revision.json")):
        rev = str(_read_meta(meta)["revision"]).strip()
        if rev in out:
            raise TaxonomyError(meta, None, f"revision {rev!r} is also declared by {out[rev] / 'revision.json'}")
        out[rev] = meta.parent
    return out


@lru_cache(maxsize=8)
def load_taxonomy(revision: str = DEFAULT_REVISION, root: Path = TAXONOMY_DIR) -> Taxonomy:
    """Load a revision by id (e.g. "6" or "7-hypothetical"); revisions load side by side."""
    dirs = revision_dirs(root)
    if str(revision) not in dirs:
        raise KeyError(f"unknown taxonomy revision {revision!r}; available: {', '.join(dirs) or 'none'}")
    return load_revision_dir(dirs[str(revision)])
