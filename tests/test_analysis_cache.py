"""The analysis model cache is keyed by everything a fit reads (issue 15.3): editing the source of a package a fit
runs (tuning in encoders/, explain/, schema/, taxonomy/ — not only recommend/, heads/, index/) or a data file of
the revision trains afresh instead of loading a stale model; other code and other revisions leave the key as it is.
Checked on a temporary package and taxonomy tree, so no model is trained."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.analysis.cache import FITTING_PACKAGES, PACKAGE_ROOT, cache_folder_name, taxonomy_data_files
from workbench.config import TAXONOMY_DIR


def make_tree(root: Path) -> tuple[Path, Path]:
    """A package root with one module per fitting package (and ui/), and a taxonomy folder with two revisions,
    KSIC tables, a shared file and source/."""
    package, taxonomy = root / "workbench", root / "taxonomy"
    for sub in (*FITTING_PACKAGES, "ui"):
        (package / sub).mkdir(parents=True)
        (package / sub / "module.py").write_text(f"NAME = {sub!r}\n", encoding="utf-8")
    for rev in ("6", "7-hypothetical"):
        (taxonomy / f"rev{rev}").mkdir(parents=True)
        (taxonomy / f"rev{rev}" / "revision.json").write_text(json.dumps({"revision": rev}), encoding="utf-8")
        (taxonomy / f"rev{rev}" / "items.csv").write_text("item_code,item_name\nA10001,양극재\n", encoding="utf-8")
    for path in ("ksic/ksic11_codes.csv", "source/innovation_items.csv", "user_terms.txt"):
        (taxonomy / path).parent.mkdir(parents=True, exist_ok=True)
        (taxonomy / path).write_text("첫 줄\n", encoding="utf-8")
    return package, taxonomy


@pytest.mark.parametrize(("edited", "retrains"), [
    ("workbench/recommend/module.py", True),
    ("workbench/encoders/module.py", True),  # e.g. the fine-tuning
    ("workbench/explain/module.py", True),
    ("workbench/schema/module.py", True),
    ("workbench/taxonomy/module.py", True),
    ("workbench/recommend/parts/new_part.py", True),  # a new file
    ("taxonomy/rev6/items.csv", True),  # e.g. an official code import or a reworded definition
    ("taxonomy/rev6/code_history.csv", True),
    ("taxonomy/ksic/ksic11_codes.csv", True),
    ("taxonomy/user_terms.txt", True),
    ("workbench/ui/module.py", False),  # no fit runs it
    ("taxonomy/rev7-hypothetical/items.csv", False),  # another revision
    ("taxonomy/source/innovation_items.csv", False),  # read only to rebuild a revision
])
def test_cache_key_follows_what_a_fit_reads(tmp_path: Path, edited: str, retrains: bool):
    package, taxonomy = make_tree(tmp_path)

    def key() -> str:
        return cache_folder_name([], encoder="use", head_backend="sklearn", revision="6", package_root=package,
                                 taxonomy_dir=taxonomy)

    before = key()
    assert before.startswith("use-6-n0-") and key() == before
    path = tmp_path / edited
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "# 수정\n", encoding="utf-8")
    assert (key() != before) is retrains


def test_the_defaults_point_at_the_real_code_and_data():
    assert all(any((PACKAGE_ROOT / sub).glob("*.py")) for sub in FITTING_PACKAGES)
    files = set(taxonomy_data_files("6"))
    assert {TAXONOMY_DIR / "rev6" / "items.csv", TAXONOMY_DIR / "ksic" / "ksic11_codes.csv",
            TAXONOMY_DIR / "user_terms.txt"} <= files
    assert not any({"rev7-hypothetical", "source"} & set(p.relative_to(TAXONOMY_DIR).parts) for p in files)
