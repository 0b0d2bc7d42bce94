"""Revision diff (6 → 7-hypothetical and synthetic cases), proposed mapping, affected records/judgments,
re-embedding into a new versioned model, evaluation under the new revision, and the CLI commands."""
from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import date

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from workbench.analysis import RunConfig, read_labelled, train_or_load
from workbench.config import TAXONOMY_DIR
from workbench.encoders.base import Encoder
from workbench.maintenance.commands import register
from workbench.maintenance.reembed import (REPORT_FILE, carry_over, evaluate_under_revision, model_chooser,
                                          pick_evaluation_records, reembed_revision)
from workbench.recommend.recommender import Recommender
from workbench.schema.record import CompanyRecord
from workbench.schema.training import stratified_subset
from workbench.store import JudgmentStore, NewJudgment
from workbench.taxonomy.diff import (RevisionDiff, affected_records, diff_revisions, proposed_mapping,
                                     relabel)
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Taxonomy

CHANGED_DEFINITIONS = ["A10003", "A10012", "A20003", "A20008", "B20015", "B20021", "B20022", "D10017", "E40018"]


@pytest.fixture(scope="module")
def old() -> Taxonomy:
    return load_taxonomy("6")


@pytest.fixture(scope="module")
def new() -> Taxonomy:
    return load_taxonomy("7-hypothetical")


@pytest.fixture(scope="module")
def diff(old, new) -> RevisionDiff:
    return diff_revisions(old, new)


def codes(changes, side="new_codes"):
    return [getattr(c, side) for c in changes]


# ---- the diff ------------------------------------------------------------------------------------------------
def test_expected_diff_6_to_7_hypothetical(diff):
    assert [(c.new_codes, c.new_names) for c in diff.renamed] == [
        (("A10003",), ("디지털트윈 플랫폼",)), (("D10017",), ("인쇄전자용 전도성 잉크",))]
    assert codes(diff.description_changed) == [("A20003",), ("B20015",)]
    assert [(c.old_codes, c.new_codes, c.new_names) for c in diff.merged] == [
        (("A10005", "A10011"), ("A10012",), ("메타버스·확장현실",))]
    assert [(c.old_codes, c.new_codes) for c in diff.split] == [(("B20002",), ("B20021", "B20022"))]
    assert [(c.old_codes, c.new_codes, c.old_fields, c.new_fields) for c in diff.moved] == [
        (("D10019",), ("D20010",), ("D10",), ("D20",))]
    assert diff.recoded == []
    assert [(c.new_codes, c.new_names) for c in diff.added] == [
        (("A20008",), ("양자내성암호",)), (("E40018",), ("가상발전소(VPP)",))]
    assert codes(diff.removed, "old_codes") == [("A10002",), ("D10008",)]
    assert len(diff.unchanged) == 240 - 2 - 2 - 2 - 1 - 1 - 2  # 230 untouched old codes
    assert not (diff.fields_added or diff.fields_removed or diff.fields_renamed or diff.themes_renamed)


def test_diff_matches_expected_diff_file(diff):
    expected = [line for line in (TAXONOMY_DIR / "rev7-hypothetical" / "EXPECTED_DIFF.md")
                .read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert diff.lines() == expected


def test_successors_and_definition_changes(diff):
    succ = diff.successors()
    assert succ["A10005"] == succ["A10011"] == ["A10012"]
    assert succ["B20002"] == ["B20021", "B20022"]
    assert succ["D10019"] == ["D20010"]
    assert succ["A10002"] == [] and succ["A10003"] == ["A10003"] and succ["A10001"] == ["A10001"]
    assert relabel("B20002", diff) == ["B20021", "B20022"] and relabel("D10008", diff) == []
    assert set(diff.to_frame().kind) == {"renamed", "description_changed", "merged", "split", "moved", "added",
                                         "removed"}


def _revision(base: Taxonomy, revision: str, items) -> Taxonomy:
    return Taxonomy(revision=revision, label=revision, hypothetical=True, themes=base.themes, fields=base.fields,
                    items=items)


def test_recoded_name_fallback_and_kept_code_split(old):
    a, b, c, d = (old.item(x) for x in ("A10001", "A10002", "A10003", "A10004"))
    assert a.field_code == b.field_code == "A10"
    items = [it for it in old.items if it.code not in {"A10001", "A10002", "A10004"}]
    # A10001 → A10091 in the same field, declared: recoded
    items.append(dataclasses.replace(a, code="A10091", predecessor_codes=("A10001",), revision="x"))
    # A10002 → A20099 in another field, *not* declared: found by its exact name → moved
    items.append(dataclasses.replace(b, code="A20099", field_code="A20", revision="x"))
    # A10003 stays and a part of it splits off into A10093
    items.append(dataclasses.replace(c, code="A10093", name="분할 신규", predecessor_codes=("A10003",), revision="x"))
    # A10004 → A10094 under a new name and no predecessor: nothing links it → removed + added
    items.append(dataclasses.replace(d, code="A10094", name="완전 신규 품목", revision="x"))
    diff = diff_revisions(old, _revision(old, "x", items))
    assert [(ch.old_codes, ch.new_codes, ch.basis) for ch in diff.recoded] == [
        (("A10001",), ("A10091",), "predecessor_codes")]
    assert [(ch.old_codes, ch.new_codes, ch.basis) for ch in diff.moved] == [(("A10002",), ("A20099",), "name_match")]
    assert [(ch.old_codes, ch.new_codes) for ch in diff.split] == [(("A10003",), ("A10003", "A10093"))]
    assert codes(diff.removed, "old_codes") == [("A10004",)] and codes(diff.added) == [("A10094",)]
    assert diff.renamed == [] and diff.merged == []
    mapping = proposed_mapping(diff)
    assert set(mapping[mapping.old_code == "A10003"].new_code) == {"A10003", "A10093"}
    assert mapping.set_index("old_code").loc["A10001", "kind"] == "recoded"


def test_identical_revisions_have_an_empty_diff(old):
    diff = diff_revisions(old, old)
    assert diff.is_empty() and len(diff.unchanged) == 240 and proposed_mapping(diff).empty


def test_unknown_predecessor_is_an_error(old):
    items = list(old.items[:-1]) + [dataclasses.replace(old.items[-1], predecessor_codes=("Z99999",))]
    with pytest.raises(ValueError, match="Z99999"):
        diff_revisions(old, _revision(old, "y", items))


# ---- mapping and affected records ----------------------------------------------------------------------------
def test_proposed_mapping(diff):
    m = proposed_mapping(diff)
    pairs = {(r.old_code, r.new_code): r for r in m.itertuples()}
    assert pairs[("A10005", "A10012")].kind == "merged" and not pairs[("A10005", "A10012")].needs_review
    assert pairs[("B20002", "B20021")].needs_review and pairs[("B20002", "B20022")].needs_review
    assert pairs[("B20002", "B20021")].n_candidates == 2
    assert pairs[("D10019", "D20010")].kind == "moved" and not pairs[("D10019", "D20010")].needs_review
    assert pairs[("A10002", "")].kind == "removed" and pairs[("A10002", "")].needs_review
    assert pairs[("A10003", "A10003")].kind == "renamed"
    assert "A20008" not in set(m.new_code)  # added codes have no old code
    full = proposed_mapping(diff, include_unchanged=True)
    assert set(full.old_code) == set(load_taxonomy("6").item_codes)


def test_affected_records_and_judgments(diff, tmp_path):
    records = [CompanyRecord(company_name=f"기업{c}", main_product="제품", item_code=c)
               for c in ("A10001", "A10002", "A10005", "B20002", "D10019", "A10003")]
    df = affected_records(diff, records)
    assert list(df.old_code) == ["A10002", "A10005", "B20002", "D10019", "A10003"]
    by = df.set_index("old_code")
    assert by.loc["A10005", "proposed_code"] == "A10012" and not by.loc["A10005", "needs_review"]
    assert by.loc["D10019", "proposed_code"] == "D20010"
    assert by.loc["B20002", "proposed_code"] == "" and by.loc["B20002", "candidates"] == "B20021|B20022"
    assert by.loc["A10002", "needs_review"] and by.loc["A10002", "proposed_code"] == ""
    chosen = affected_records(diff, records, chooser=lambda rows, cands: [c[-1] for c in cands])
    assert chosen.set_index("old_code").loc["B20002", "proposed_code"] == "B20022"
    with pytest.raises(ValueError, match="chooser"):
        affected_records(diff, records, chooser=lambda rows, cands: ["Z99999" for _ in cands])

    with JudgmentStore(f"sqlite:///{tmp_path / 'j.sqlite3'}") as store:
        for code, revision, kind in (("A10005", "6", "other"), ("A10001", "6", "other"),
                                     ("D10008", "6", "other"), ("A10012", "7-hypothetical", "other"),
                                     (None, "6", "none")):
            store.save(NewJudgment(
                examiner="김심사", idempotency_key=uuid.uuid4().hex, company_name=f"기업 {code}",
                business_reg_no="1234567890", ceo_name="홍길동", base_date=date(2026, 1, 5), main_product="제품",
                decision_type=kind, final_item_code=code, final_item_name=None, taxonomy_revision=revision,
                model_id="m", encoder_id="e", model_version="1", app_version="1"))
        rows = store.list()
    j = affected_records(diff, rows)
    assert sorted(j.old_code) == ["A10005", "D10008"] and set(j.source) == {"judgment"}
    assert all(isinstance(r, int) for r in j.row)


# ---- re-embedding --------------------------------------------------------------------------------------------
class CountingEncoder(Encoder):
    """Wraps an encoder (same id and dim) and records every text it is asked to encode."""

    def __init__(self, inner: Encoder):
        self.inner, self.id, self.dim, self.supports_tokens = inner, inner.id, inner.dim, False
        self.calls: list[tuple[list[str], str]] = []

    def encode(self, texts, kind="query", batch_size=32, show_progress=False):
        self.calls.append((list(texts), kind))
        return self.inner.encode(texts, kind=kind, batch_size=batch_size)


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """The small analysis model (cached across tests and notebooks), saved as an 'old artifact'."""
    config = RunConfig.small()
    train = stratified_subset(read_labelled(config.train_path), config.per_item)
    rec = train_or_load(train, encoder=config.encoder, head_backend=config.head_backend)
    folder = rec.save(tmp_path_factory.mktemp("old") / "model")
    test = read_labelled(config.test_path)
    return folder, test


def test_reembed_encodes_only_changed_definitions(small_model, old, new, diff, tmp_path):
    folder, test = small_model
    rec = Recommender.load(folder)
    counter = CountingEncoder(rec.encoder_)  # every encode during re-embedding goes through the counter
    out = reembed_revision(rec, new, tmp_path / "models", encoder=counter)

    encoded = [t for texts, _ in counter.calls for t in texts]
    assert {kind for _, kind in counter.calls} == {"passage"}
    assert sorted(encoded) == sorted(s for c in CHANGED_DEFINITIONS for s in new.item(c).definition_segments)
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert sorted(report["encoded_codes"]) == CHANGED_DEFINITIONS  # the moved item keeps its text
    assert len(report["reused_codes"]) == 240 - len(CHANGED_DEFINITIONS)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["taxonomy_revision"] == "7-hypothetical" and manifest["items"] == new.item_codes
    assert manifest["derived_from"]["model_id"] == rec.model_id_ and re.search(r"rev7-hypothetical$", out.name)
    assert (out / "taxonomy_mapping.csv").exists()

    loaded = Recommender.load(out)
    assert loaded.revision == "7-hypothetical" and loaded.taxonomy_.revision == "7-hypothetical"
    old_i = {c: i for i, c in enumerate(rec.items_)}
    new_i = {c: i for i, c in enumerate(loaded.items_)}
    W, b = rec.head_.coef_, rec.head_.intercept_
    W2, b2 = loaded.head_.coef_, loaded.head_.intercept_
    assert W2.shape == (240, W.shape[1]) and list(loaded.head_.classes_) == list(range(240))
    # kept, moved: own / predecessor's row; split: both targets share the old row; merged: mean + log 2
    np.testing.assert_array_equal(W2[new_i["A10001"]], W[old_i["A10001"]])
    np.testing.assert_array_equal(W2[new_i["D20010"]], W[old_i["D10019"]])
    for t in ("B20021", "B20022"):
        np.testing.assert_array_equal(W2[new_i[t]], W[old_i["B20002"]])
        assert b2[new_i[t]] == pytest.approx(b[old_i["B20002"]])
    np.testing.assert_allclose(W2[new_i["A10012"]], (W[old_i["A10005"]] + W[old_i["A10011"]]) / 2, atol=1e-6)
    assert b2[new_i["A10012"]] == pytest.approx((b[old_i["A10005"]] + b[old_i["A10011"]]) / 2 + np.log(2), abs=1e-5)
    for added in ("A20008", "E40018"):  # no learned row: reachable via the definition part only
        assert not W2[new_i[added]].any() and b2[new_i[added]] < b.min()
    parts, old_parts = loaded.parts_, rec.parts_
    # code profiles follow the head rows: a merge sums its predecessors' judged codes, an added item has none
    for f, counts in parts["codes"].profiles_.counts_.items():
        old_counts = old_parts["codes"].profiles_.counts_[f]
        assert counts[new_i["A10012"]].sum() == old_counts[[old_i["A10005"], old_i["A10011"]]].sum()
        assert counts[new_i["D20010"]].sum() == old_counts[old_i["D10019"]].sum()
        assert counts[new_i["A20008"]].sum() == 0
    # definition vectors: reused rows identical (moved item included); an added item is nearest its own text
    np.testing.assert_array_equal(parts["definition"].vectors_[new_i["D20010"]], old_parts["definition"].vectors_[old_i["D10019"]])
    np.testing.assert_array_equal(parts["definition"].vectors_[new_i["A10001"]], old_parts["definition"].vectors_[old_i["A10001"]])
    # lexical part: same vocabulary, definition rows from the new texts (an added item scores on its own words)
    assert parts["lexical"].lexical_.definitions_.shape[0] == 240
    assert parts["lexical"].lexical_.vocabulary_ == old_parts["lexical"].lexical_.vocabulary_
    np.testing.assert_array_equal(parts["lexical"].lexical_.idf_, old_parts["lexical"].lexical_.idf_)
    own = parts["lexical"].lexical_.transform([new.item("A20008").definition_text])[0]
    assert loaded.items_[int(own.argmax())] == "A20008"
    assert loaded.items_[int((parts["definition"].vectors_ @ parts["definition"].vectors_[new_i["A20008"]]).argmax())] == "A20008"
    # neighbours: removed items' training rows dropped, every label is a new item; metadata follows
    labels = {loaded.items_[int(v)] for v in parts["knn"].labels_}
    assert not labels & {"A10002", "D10008", "B20002", "A10005", "A10011", "D10019"}
    assert len(parts["knn"].labels_) == len(loaded.train_meta_) == len(parts["knn"].index_)
    assert len(old_parts["knn"].labels_) - len(parts["knn"].labels_) == report["train_rows_dropped"] == 12
    assert {m["item_code"] for m in loaded.train_meta_} == labels
    r = loaded.recommend(CompanyRecord(main_product="격자 기반 양자내성암호 모듈 및 PQC 보안 소프트웨어"))
    assert r.taxonomy_revision == "7-hypothetical" and len(r.items) == 3


def test_old_artifact_still_loads_and_predicts_the_same(small_model, new, tmp_path):
    folder, test = small_model
    before = Recommender.load(folder)
    p_before = before.predict_proba(test[:10])
    reembed_revision(before, new, tmp_path)
    after = Recommender.load(folder)
    assert after.revision == "6" and after.items_ == load_taxonomy("6").item_codes
    np.testing.assert_allclose(after.predict_proba(test[:10]), p_before, atol=1e-6)
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("derived_from") is None


def test_evaluate_under_new_revision(small_model, new, diff):
    folder, test = small_model
    rec = Recommender.load(folder)
    rec_new, report = carry_over(rec, new, diff)
    records = pick_evaluation_records(test, diff, n_plain=100)
    kinds = {diff.kind_of().get(r.item_code, "unchanged") for r in records}
    assert {"split", "merged", "moved", "removed", "renamed", "unchanged"} <= kinds
    ev = evaluate_under_revision(rec_new, records, diff, rec_old=rec)
    o = ev["overall"]
    assert o["n"] + o["n_dropped"] == len(records)
    assert o["n_dropped"] == sum(r.item_code in {"A10002", "D10008"} for r in records)
    assert 0 <= o["top1_accuracy"] <= o["top3_hit_rate"] <= 1
    assert set(ev["by_kind"].kind) == kinds - {"removed"}
    per = ev["per_record"]
    split_rows = per[per.kind == "split"]
    assert (split_rows.accepted == "B20021|B20022").all()
    assert (split_rows.top1 == split_rows.pred_code.isin(["B20021", "B20022"])).all()
    # the carried-over model keeps most of the old model's accuracy on untouched items
    unchanged = ev["by_kind"].set_index("kind").loc["unchanged"]
    assert unchanged.top3_hit_rate >= unchanged.old_top3_hit_rate - 0.05
    # the split chooser picks one of the candidates per record
    split_records = [r for r in records if r.item_code == "B20002"]
    picks = model_chooser(rec_new)(split_records, [["B20021", "B20022"]] * len(split_records))
    assert set(picks) <= {"B20021", "B20022"}


def test_reembed_refuses_a_revision_that_is_not_installed(small_model, old, tmp_path):
    folder, _ = small_model
    rec = Recommender.load(folder)
    fake = dataclasses.replace(old, revision="99-nowhere")
    with pytest.raises(ValueError, match="not under taxonomy"):
        reembed_revision(rec, fake, tmp_path)


# ---- CLI -----------------------------------------------------------------------------------------------------
def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_cli_diff(tmp_path):
    result = CliRunner().invoke(_app(), ["diff", "6", "7-hypothetical", "--mapping-csv", str(tmp_path / "m.csv")])
    assert result.exit_code == 0, result.output
    assert "- split: B20002 → B20021, B20022" in result.output
    assert "merged 1" in result.output and (tmp_path / "m.csv").exists()
    bad = CliRunner().invoke(_app(), ["diff", "6", "99"])
    assert bad.exit_code != 0


def test_cli_reembed(small_model, tmp_path):
    folder, _ = small_model
    result = CliRunner().invoke(_app(), ["reembed", "7-hypothetical", "--model", str(folder), "--encoder", "use",
                                         "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "re-encoded 9 definition(s)" in result.output
    (made,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert Recommender.load(made).revision == "7-hypothetical"
    wrong = CliRunner().invoke(_app(), ["reembed", "7-hypothetical", "--model", str(folder), "--encoder", "e5",
                                        "--out", str(tmp_path)])
    assert wrong.exit_code != 0
