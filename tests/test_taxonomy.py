"""Criteria revisions (rev6, rev7-hypothetical), their validation, KSIC tables and the rev6 importer."""
from __future__ import annotations

import csv
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.config import PROJECT_ROOT, TAXONOMY_DIR
from workbench.taxonomy.importer import EXCLUDED_KSIC_DIVISIONS, SOURCE, assign_codes
from workbench.taxonomy.ksic import KSIC_DIR, KsicTables, ksic_tables
from workbench.taxonomy.loader import TaxonomyError, load_revision_dir, load_taxonomy, revision_dirs

REV6_DIR = TAXONOMY_DIR / "rev6"
REV7_DIR = TAXONOMY_DIR / "rev7-hypothetical"
CODE_RE = re.compile(r"[A-Z][0-9]{5}")


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def rev6():
    return load_taxonomy("6")


@pytest.fixture(scope="module")
def rev7():
    return load_taxonomy("7-hypothetical")


@pytest.fixture(scope="module")
def ksic() -> KsicTables:
    return ksic_tables()


# ---------------------------------------------------------------------------------------------- rev6 content


def test_rev6_counts(rev6):
    assert rev6.revision == "6"
    assert rev6.summary() == {"themes": 9, "fields": 31, "items": 240}
    assert len(rev6.theme_by_code) == 9 and len(rev6.field_by_code) == 31 and len(rev6.item_by_code) == 240


def test_rev6_codes_unique_and_well_formed(rev6):
    codes = [i.code for i in rev6.items]
    assert len(set(codes)) == len(codes) == 240
    bad = [c for c in codes if not CODE_RE.fullmatch(c)]
    assert not bad, f"item codes not letter + 5 digits: {bad}"
    assert all(re.fullmatch(r"[A-Z]", t.code) for t in rev6.themes)
    assert all(re.fullmatch(r"[A-Z][0-9]{2}", f.code) for f in rev6.fields)
    assert len({i.name for i in rev6.items}) == 240, "item names are unique within a revision"


def test_rev6_only_adtech_is_official(rev6):
    adtech = rev6.item("I30003")
    assert adtech.name == "애드테크"
    assert adtech.code_status == "official"
    official = [i.code for i in rev6.items if i.code_status == "official"]
    assert official == ["I30003"]
    assert all(i.code_status == "provisional" for i in rev6.items if i.code != "I30003")
    # the official item's field and theme are official too; every other theme is provisional
    assert rev6.field_by_code["I30"].code_status == "official"
    assert [t.code for t in rev6.themes if t.code_status == "official"] == ["I"]
    assert rev6.describe("I30003") == {"item_code": "I30003", "code_status": "official", "item_name": "애드테크",
                                       "field_code": "I30", "field_name": "지식서비스", "theme_code": "I",
                                       "theme_name": "융합지식서비스"}


def test_rev6_item_field_theme_consistent(rev6):
    for it in rev6.items:
        fld = rev6.field_by_code[it.field_code]
        assert it.theme_code == fld.theme_code, it.code
        assert it.code.startswith(it.field_code), it.code
        assert fld.code.startswith(fld.theme_code), fld.code
        assert it.theme_code in rev6.theme_by_code
        assert it.revision == "6"
    # every field and theme is used
    assert {i.field_code for i in rev6.items} == set(rev6.field_by_code)
    assert {f.theme_code for f in rev6.fields} == set(rev6.theme_by_code)


def test_rev6_matches_reference_source(rev6):
    """Each item sits under the theme and field the reference list names (joined on the source row number)."""
    _, src = read_rows(SOURCE)
    _, items = read_rows(REV6_DIR / "items.csv")
    code_of_seq = {r["source_seq_no"]: r["item_code"] for r in items}
    assert len(src) == 240 and set(code_of_seq) == {r["seq_no"] for r in src}
    for r in src:
        d = rev6.describe(code_of_seq[r["seq_no"]])
        assert (d["item_name"], d["field_name"], d["theme_name"]) == (r["item_name"], r["field_name"], r["theme_name"])


def test_siblings_and_definition_text(rev6):
    sib = rev6.siblings("I30003")
    assert "I30003" not in {s.code for s in sib}
    assert {s.field_code for s in sib} == {"I30"}
    assert len(sib) == sum(i.field_code == "I30" for i in rev6.items) - 1
    a = rev6.item("A10005")  # has glossary notes
    assert a.notes and a.definition_text.endswith(a.notes) and a.definition_text.startswith(a.name + " ")
    assert a.description.replace(" | ", " ") in a.definition_text  # the description's separators go
    with pytest.raises(KeyError, match="Z99999"):
        rev6.item("Z99999")


# ---------------------------------------------------------------------------------------------- KSIC links


def test_rev6_every_item_has_ksic_links(rev6, ksic):
    by_item = rev6.ksic_by_item
    missing = [c for c in rev6.item_codes if not by_item.get(c)]
    assert not missing, f"items without KSIC links: {missing}"
    for code, links in by_item.items():
        assert code in rev6.item_by_code
        assert [lk.rank for lk in links] == list(range(1, len(links) + 1)), code


def test_rev6_ksic_links_point_to_ksic11_subclasses(rev6, ksic):
    assert rev6.ksic_links
    for lk in rev6.ksic_links:
        entry = ksic.codes[11].get(lk.ksic11_code)
        assert entry is not None, f"{lk.item_code}: {lk.ksic11_code} is not in KSIC 11"
        assert entry.level == 5, lk
        assert lk.method.strip(), f"{lk.item_code} {lk.ksic11_code}: method is blank"
        assert lk.ksic11_code[:2] not in EXCLUDED_KSIC_DIVISIONS, lk  # wholesale / retail are excluded


def test_rev6_ksic_link_method_column_non_empty_in_file():
    header, rows = read_rows(REV6_DIR / "ksic_links.csv")
    assert "method" in header and rows
    assert all(r["method"].strip() for r in rows)


# ---------------------------------------------------------------------------------------------- two revisions


def test_revisions_load_side_by_side(rev6, rev7):
    assert set(revision_dirs()) >= {"6", "7-hypothetical"}
    assert rev6 is not rev7
    assert rev6.hypothetical is False and rev7.hypothetical is True
    assert "가상" in rev7.label
    assert rev7.summary() == {"themes": 9, "fields": 31, "items": 240}
    assert {i.revision for i in rev7.items} == {"7-hypothetical"}
    # each keeps its own content
    assert "A10002" in rev6.item_by_code and "A10002" not in rev7.item_by_code
    assert "A20008" in rev7.item_by_code and "A20008" not in rev6.item_by_code
    assert rev6.item("A10003").name == "디지털트윈"
    assert rev7.item("A10003").name == "디지털트윈 플랫폼"
    assert rev7.item("A10012").predecessor_codes == ("A10005", "A10011")
    assert rev7.item("I30003").code_status == "official"
    # loading again gives the cached object, and rev6 is unchanged by loading rev7
    assert load_taxonomy("6") is rev6
    assert rev6.summary()["items"] == 240


def test_unknown_revision_is_key_error():
    with pytest.raises(KeyError, match="5"):
        load_taxonomy("5")


def _diff_lines(old, new) -> set[str]:
    """The 6 → 7 diff worked out from the data, in EXPECTED_DIFF.md's wording."""
    lines = set()
    successors: dict[str, list[str]] = {}
    for it in new.items:
        for p in it.predecessor_codes:
            successors.setdefault(p, []).append(it.code)
    for it in new.items:
        if it.code in old.item_by_code:
            prev = old.item(it.code)
            if prev.name != it.name:
                lines.add(f"- renamed: {it.code} → {it.name}")
            if prev.description != it.description:
                lines.add(f"- description changed: {it.code}")
        elif len(it.predecessor_codes) > 1:
            lines.add(f"- merged: {' + '.join(it.predecessor_codes)} → {it.code} {it.name}")
        elif len(it.predecessor_codes) == 1:
            (p,) = it.predecessor_codes
            if len(successors[p]) == 1:
                assert old.item(p).field_code != it.field_code
                lines.add(f"- moved: {p} → {it.code} (field {it.field_code})")
        else:
            lines.add(f"- added: {it.code} {it.name}")
    for p, codes in successors.items():
        if len(codes) > 1:
            lines.add(f"- split: {p} → {', '.join(sorted(codes))}")
    for code in old.item_codes:
        if code not in new.item_by_code and code not in successors:
            lines.add(f"- removed: {code}")
    return lines


def test_rev7_matches_expected_diff(rev6, rev7):
    expected = {ln for ln in (REV7_DIR / "EXPECTED_DIFF.md").read_text(encoding="utf-8").splitlines()
                if ln.startswith("- ")}
    assert len(expected) == 11
    assert _diff_lines(rev6, rev7) == expected
    for it in rev7.items:  # predecessors are rev6 items that rev7 no longer has
        for p in it.predecessor_codes:
            assert p in rev6.item_by_code and p not in rev7.item_by_code


def test_hypothetical_revision_script_reproduces_committed_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_hypothetical_revision",
                                                  PROJECT_ROOT / "scripts" / "make_hypothetical_revision.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path / "rev7")
    mod.main()
    written = sorted(p.name for p in (tmp_path / "rev7").iterdir())
    assert written == sorted(p.name for p in REV7_DIR.iterdir())
    for name in written:
        assert (tmp_path / "rev7" / name).read_bytes() == (REV7_DIR / name).read_bytes(), name
    assert load_revision_dir(tmp_path / "rev7").hypothetical is True


# ---------------------------------------------------------------------------------------------- broken files


@pytest.fixture
def rev6_copy(tmp_path) -> Path:
    folder = tmp_path / "rev6"
    shutil.copytree(REV6_DIR, folder)
    return folder


def test_pristine_copy_loads(rev6_copy):
    tax = load_revision_dir(rev6_copy)
    assert tax.summary() == {"themes": 9, "fields": 31, "items": 240}


def _edit(folder: Path, name: str, change) -> None:
    header, rows = read_rows(folder / name)
    header, rows = change(header, rows)
    write_rows(folder / name, header, rows)


def _set(index: int, **values):
    def change(header, rows):
        rows[index].update(values)
        return header, rows
    return change


def _append(row):
    def change(header, rows):
        return header, rows + [dict(row)]
    return change


def _duplicate_code(header, rows):
    rows[5]["item_code"] = rows[4]["item_code"]
    return header, rows


def _repeat_first_row(header, rows):
    return header, rows + [dict(rows[0])]


def _drop_column(column):
    def change(header, rows):
        return [h for h in header if h != column], rows
    return change


NEW_FIELD = {"field_code": "A40", "field_name": "신규분야", "theme_code": "A", "name_basis": "test",
             "code_status": "provisional"}
NEW_THEME = {"theme_code": "J", "theme_name": "신규테마", "code_status": "provisional"}

# (file, change, spreadsheet row of the problem, words of the problem)
BROKEN = {
    "duplicate code": ("items.csv", _duplicate_code, 7, "duplicate code 'A10005'"),
    "repeated row": ("items.csv", _repeat_first_row, 242, "duplicate code 'A10001'"),
    "duplicate field code": ("fields.csv", _set(1, field_code="A10"), 3, "duplicate code 'A10'"),
    "unknown field_code": ("items.csv", _set(10, field_code="Z99"), 12, "unknown field_code 'Z99'"),
    "item code not under its field": ("items.csv", _set(0, field_code="A20"), 2,
                                      "item code 'A10001' does not start with its field code"),
    "blank item name": ("items.csv", _set(3, item_name="   "), 5, "item_name is blank"),
    "blank description": ("items.csv", _set(8, description=""), 10, "description is blank"),
    "blank theme name": ("themes.csv", _set(0, theme_name=""), 2, "theme_name is blank"),
    "missing column": ("items.csv", _drop_column("description"), 1, "missing column(s): description"),
    "bad item code_status": ("items.csv", _set(20, code_status="draft"), 22, "code_status 'draft'"),
    "bad theme code_status": ("themes.csv", _set(2, code_status="Official"), 4, "code_status 'Official'"),
    "malformed item code": ("items.csv", _set(2, item_code="A1003"), 4, "not a letter + 5 digits"),
    "unknown theme of field": ("fields.csv", _set(0, theme_code="Q"), 2, "unknown theme_code 'Q'"),
    "field with no items": ("fields.csv", _append(NEW_FIELD), 33, "field A40 has no items"),
    "theme with no fields": ("themes.csv", _append(NEW_THEME), 11, "theme J has no fields"),
    "link to unknown item": ("ksic_links.csv", _set(0, item_code="Z99999"), 2, "unknown item_code 'Z99999'"),
    "link with bad rank": ("ksic_links.csv", _set(3, rank="first"), 5, "rank/score are not numbers"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_names_file_row_and_problem(rev6_copy, case):
    name, change, row, problem = BROKEN[case]
    _edit(rev6_copy, name, change)
    with pytest.raises(TaxonomyError) as info:
        load_revision_dir(rev6_copy)
    err = info.value
    assert err.path == rev6_copy / name
    assert err.row == row
    assert problem in err.problem
    assert str(err).startswith(f"{rev6_copy / name}, row {row}: ")


@pytest.mark.parametrize("name", ["themes.csv", "fields.csv", "items.csv", "revision.json"])
def test_missing_file(rev6_copy, name):
    (rev6_copy / name).unlink()
    with pytest.raises(TaxonomyError) as info:
        load_revision_dir(rev6_copy)
    assert info.value.path == rev6_copy / name
    assert info.value.row is None
    assert "file is missing" in str(info.value) and name in str(info.value)


def test_ksic_links_file_is_optional(rev6_copy):
    (rev6_copy / "ksic_links.csv").unlink()
    tax = load_revision_dir(rev6_copy)
    assert tax.ksic_links == [] and tax.ksic_by_item == {}


def test_row_with_more_cells_than_header(rev6_copy):
    """An unquoted comma gives a row more cells than the header: a TaxonomyError, not a crash."""
    path = rev6_copy / "themes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_revision_dir(rev6_copy)
    assert (info.value.path, info.value.row) == (path, 4)
    assert "4 cells but the header has 3" in info.value.problem


def test_revision_json_problems(rev6_copy):
    meta = rev6_copy / "revision.json"
    meta.write_text('{"revision": "6",\n "label": }', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="invalid JSON") as info:
        load_revision_dir(rev6_copy)
    assert info.value.path == meta and info.value.row == 2
    meta.write_text('{"label": "no id"}', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'revision' is missing"):
        load_revision_dir(rev6_copy)


def test_load_taxonomy_from_other_root(tmp_path, rev6_copy):
    tax = load_taxonomy("6", root=tmp_path)
    assert tax.summary()["items"] == 240
    assert tax is not load_taxonomy("6")


def test_two_folders_declaring_one_revision(tmp_path, rev6_copy):
    shutil.copytree(rev6_copy, tmp_path / "rev6-backup")
    with pytest.raises(TaxonomyError, match="revision '6' is also declared"):
        revision_dirs(tmp_path)


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_taxonomy_summary():
    result = CliRunner().invoke(app, ["taxonomy", "summary"])
    assert result.exit_code == 0, result.output
    lines = {ln.split()[1]: ln for ln in result.output.splitlines() if ln.startswith("revision ")}
    assert re.search(r"\b9 themes / 31 fields / 240 items\b", lines["6"])
    assert "(239 provisional codes)" in lines["6"]
    assert "HYPOTHETICAL" not in lines["6"]
    assert "[HYPOTHETICAL]" in lines["7-hypothetical"]


# ---------------------------------------------------------------------------------------------- KSIC tables


def test_ksic_lookup_11th_and_10th_only_codes(ksic):
    e = ksic.lookup("26294")
    assert e is not None and (e.revision, e.name, e.level) == (11, "전자감지장치 제조업", 5)
    old = ksic.lookup("10611")  # 곡물 도정업: 10th revision only (11th: 10511)
    assert "10611" not in ksic.codes[11]
    assert old is not None and (old.revision, old.name) == (10, "곡물 도정업")
    assert ksic.lookup(" 26294 ").code == "26294"
    assert ksic.name("10511") == "곡물 도정업"


@pytest.mark.parametrize("code", ["99999", "", "2629", "262944", "C", None])
def test_ksic_unknown(ksic, code):
    assert ksic.lookup(code) is None
    assert ksic.to_ksic11(code) == []
    assert ksic.name(code) == ""


def _concordance_rows(note: str) -> list[dict[str, str]]:
    _, rows = read_rows(KSIC_DIR / "ksic10_to_11_concordance.csv")
    return [r for r in rows if r["note"] == note]


def test_to_ksic11_maps_changed_code_via_concordance(ksic):
    changed = {r["ksic10_code"]: r["ksic11_code"] for r in _concordance_rows("코드변경")}
    assert changed["10611"] == "10511"
    assert ksic.to_ksic11("10611") == ["10511"]
    # every changed code that the 11th revision does not reuse maps to its concordance target
    checked = 0
    for old, new in changed.items():
        if old not in ksic.codes[11]:
            assert ksic.to_ksic11(old) == [new], old
            assert new in ksic.codes[11]
            checked += 1
    assert checked > 40


def test_to_ksic11_split_gives_several_codes(ksic):
    assert "10801" not in ksic.codes[11]
    assert ksic.to_ksic11("10801") == ["10901", "10902"]  # 배합 사료 → 반려동물용 / 배합 사료


def test_to_ksic11_prefers_11th_reading_of_reused_code(ksic):
    """26294 is 10th '전자감지장치'→26293 and also an 11th code; a bare code is read as 11th."""
    assert ksic.to_ksic11("26294") == ["26294"]
    assert ksic.to_ksic11("10511") == ["10511"]


def test_ksic_ancestors(ksic):
    assert ksic.ancestors("26294") == ["C", "26", "262", "2629"]
    assert ksic.ancestors("00000") == []


# ---------------------------------------------------------------------------------------------- importer


def test_assign_codes_reproduces_rev6(rev6):
    _, src = read_rows(SOURCE)
    theme_code, field_code, item_code = assign_codes(src)
    _, items = read_rows(REV6_DIR / "items.csv")
    assert {r["source_seq_no"]: r["item_code"] for r in items} == item_code
    assert {t.name: t.code for t in rev6.themes} == theme_code
    assert {(rev6.theme_by_code[f.theme_code].name, f.name): f.code for f in rev6.fields} == field_code


def test_assign_codes_keeps_official_codes_and_skips_them():
    def row(seq, theme, theme_code, fld, item_code=""):
        return {"seq_no": str(seq), "theme_name": theme, "theme_code": theme_code, "field_name": fld,
                "item_name": f"item{seq}", "item_code": item_code}
    src = [row(1, "X", "", "f1"), row(2, "Y", "A", "g1", "A20002"), row(3, "Y", "A", "g1"),
           row(4, "Y", "A", "g1"), row(5, "Y", "A", "g2"), row(6, "Z", "", "h1")]
    theme_code, field_code, item_code = assign_codes(src)
    assert theme_code == {"X": "B", "Y": "A", "Z": "C"}  # official A is not handed out again
    assert field_code == {("X", "f1"): "B10", ("Y", "g1"): "A20", ("Y", "g2"): "A10", ("Z", "h1"): "C10"}
    assert item_code == {"1": "B10001", "2": "A20002", "3": "A20001", "4": "A20003", "5": "A10001",
                         "6": "C10001"}
