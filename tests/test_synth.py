"""Synthetic judgment history: counts, determinism, disjoint train/held-out vocabulary, label distribution."""
from __future__ import annotations

import json
import re
from collections import Counter

import pandas as pd
import pytest

from workbench.config import SYNTH_DIR
from workbench.schema.ingest import read_records
from workbench.synth import templates as T
from workbench.synth.generator import LEXICON_DIR, MIN_TRAIN_PER_ITEM, write_synthetic
from workbench.synth.templates import fill, has_final_consonant
from workbench.taxonomy.loader import load_taxonomy


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    write_synthetic(out, seed=7, n_train=1500, n_test=600, n_excluded=30, xlsx=True)
    return out


@pytest.fixture(scope="module")
def lexicon():
    return [e for p in sorted(LEXICON_DIR.glob("items_*.json")) for e in json.loads(p.read_text(encoding="utf-8"))]


def test_counts_and_formats(small):
    train = pd.read_csv(small / "synthetic_train.csv", dtype=str)
    test = pd.read_excel(small / "synthetic_test.xlsx", dtype=str)
    assert len(train) == 1500 and len(test) == 600
    assert list(train.columns[:10]) == ["기업명", "사업자등록번호", "대표자명", "분류기준일", "업종코드", "업종명",
                                        "주요제품", "제품의 용도 및 특성", "기술사업명", "기술분류"]
    assert "SYNTHETIC" in (small / "README_SYNTHETIC.txt").read_text(encoding="utf-8")
    excluded = pd.read_csv(small / "synthetic_excluded_generator_facts.csv", dtype=str)
    assert excluded["exclusion_reason"].str.split(":").str[0].nunique() == 3


def test_every_record_is_valid_and_loads_unchanged(small):
    for name in ("train", "test"):
        for suffix in ("csv", "xlsx"):
            result = read_records(small / f"synthetic_{name}.{suffix}", require_label=True)
            assert not result.errors, result.errors[:3]
    csv_recs = read_records(small / "synthetic_test.csv", require_label=True).records
    xlsx_recs = read_records(small / "synthetic_test.xlsx", require_label=True).records
    assert csv_recs == xlsx_recs


def test_deterministic_from_seed(small, tmp_path):
    write_synthetic(tmp_path, seed=7, n_train=1500, n_test=600, n_excluded=30, xlsx=False)
    for name in ("train", "test", "excluded"):
        assert (tmp_path / f"synthetic_{name}.csv").read_bytes() == (small / f"synthetic_{name}.csv").read_bytes()
    write_synthetic(tmp_path / "other", seed=8, n_train=1500, n_test=600, n_excluded=30, xlsx=False)
    assert (tmp_path / "other" / "synthetic_train.csv").read_bytes() != (small / "synthetic_train.csv").read_bytes()


def test_label_distribution_long_tail_min_and_noise():
    """On the full history that set-up generates (10,000 training records)."""
    train = pd.read_csv(SYNTH_DIR / "synthetic_train.csv", dtype=str)
    facts = pd.read_csv(SYNTH_DIR / "synthetic_train_generator_facts.csv", dtype=str)
    assert len(train) == 10_000 and len(pd.read_csv(SYNTH_DIR / "synthetic_test.csv")) == 5_000
    true_counts = Counter(facts["true_item_code"])
    assert len(true_counts) == 240 and min(true_counts.values()) >= MIN_TRAIN_PER_ITEM
    assert max(true_counts.values()) > 5 * sorted(true_counts.values())[len(true_counts) // 2]  # long tail
    noise = (facts["label_noise"] == "True").mean()
    assert 0.015 < noise < 0.05
    assert (facts["label_noise"] == "True").equals(facts["true_item_code"] != train["품목코드"])
    assert 0.05 < (facts["sibling_item_code"].fillna("") != "").mean() < 0.2


def test_ksic_codes_follow_items(small):
    tax = load_taxonomy("6")
    train = pd.read_csv(small / "synthetic_train.csv", dtype=str)
    facts = pd.read_csv(small / "synthetic_train_generator_facts.csv", dtype=str)
    linked = [code in {link.ksic11_code for link in tax.ksic_by_item[item]}
              for code, item in zip(train["업종코드"], facts["true_item_code"])]
    assert 0.6 < sum(linked) / len(linked) < 0.95  # consistent, with noise and 10th-revision codes


def test_lexicon_pools_are_disjoint(lexicon):
    """Within each item the hand-written pools share no phrase (across items the generator filters them)."""
    assert len(lexicon) == 240
    for e in lexicon:
        train = {p for kind in e["train"].values() for p in kind}
        assert not train & {p for kind in e["test"].values() for p in kind}, e["item_name"]
    for split in ("train", "test"):
        for e in lexicon:
            assert [len(e[split][k]) for k in ("products", "uses", "features", "tech")] == [6, 5, 4, 4], e["item_name"]


def test_templates_are_disjoint():
    for table in (T.USE_SENTENCES, T.TECH_PROJECTS, T.CUSTOMERS, T.MODEL_SUFFIX):
        assert not set(table["train"]) & set(table["test"])


def test_held_out_texts_use_no_training_phrase(small, lexicon):
    """No product/use/feature/tech phrase of the training pool appears in any held-out record."""
    test = pd.read_csv(small / "synthetic_test.csv", dtype=str).fillna("")
    text = "\n".join(test["주요제품"] + " " + test["제품의 용도 및 특성"] + " " + test["기술사업명"])
    squashed = re.sub(r"\s+", "", text)
    train_phrases = {p for e in lexicon for kind in e["train"].values() for p in kind if len(p) >= 5}
    leaked = [p for p in train_phrases if re.sub(r"\s+", "", p) in squashed]
    assert not leaked, leaked[:5]


def test_particles_follow_final_syllable():
    assert has_final_consonant("배터리 모듈") is True and has_final_consonant("배터리") is False and has_final_consonant("양극재") is False
    assert has_final_consonant("센서") is False and has_final_consonant("전극") is True
    assert fill("{x|은} 좋다", x="전극") == "전극은 좋다" and fill("{x|을} 쓴다", x="센서") == "센서를 쓴다"
