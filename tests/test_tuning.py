"""Encoder fine-tuning: the tuner's contract, that tuning helps on unseen vocabulary, and that a recommender
with a tuned encoder saves, loads, reuses and carries that encoder."""
from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.config import E5_DIR, SYNTH_DIR
from workbench.encoders import get_encoder
from workbench.encoders.base import encode_definitions, pool_segments
from workbench.encoders.tuning import TUNING_FILE, EncoderTuner
from workbench.recommend.recommender import Recommender, product_group
from workbench.recommend.text import compose
from workbench.schema.ingest import read_records
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.loader import load_taxonomy

N_ITEMS, PER_ITEM = 12, 8


@pytest.fixture(scope="module")
def small_task():
    """12 items: 8 training texts each; held-out texts of the same items (disjoint product vocabulary)."""
    tax = load_taxonomy("6")
    train = read_records(SYNTH_DIR / "synthetic_train.csv", require_label=True).records
    test = read_records(SYNTH_DIR / "synthetic_test.csv", require_label=True).records
    codes = sorted({r.item_code for r in train})[::20][:N_ITEMS]
    pick = lambda recs, n: [r for c in codes for r in [x for x in recs if x.item_code == c][:n]]  # noqa: E731
    tr, te = pick(train, PER_ITEM), pick(test, 6)
    index = {c: i for i, c in enumerate(codes)}
    definitions = [tax.item(c).definition_segments for c in codes]
    return ([compose(r).text for r in tr], np.array([index[r.item_code] for r in tr]),
            [compose(r).text for r in te], np.array([index[r.item_code] for r in te]), definitions)


@pytest.fixture(scope="module")
def tuned(small_task, tmp_path_factory):
    texts, y, _, _, definitions = small_task
    out = tmp_path_factory.mktemp("tuned") / "e5"
    return EncoderTuner(epochs=1, batch_size=16).fit(texts, y, definitions, E5_DIR, out)  # 11 steps


def test_init_stores_settings_only():
    t = EncoderTuner(epochs=2, max_records_per_item=5)
    assert t.get_params()["epochs"] == 2 and not any(k.endswith("_") for k in vars(t))


def test_pool_segments_averages_each_group():
    V = np.array([[1, 0], [0, 1], [3, 0]], np.float32)
    pooled = pool_segments(V, [["a", "b"], ["c"]])
    assert np.allclose(pooled, [[2 ** -0.5, 2 ** -0.5], [1, 0]])
    with pytest.raises(ValueError):
        pool_segments(V, [["a"], []])


def test_definition_segments_start_with_the_name():
    item = load_taxonomy("6").items[0]
    segments = item.definition_segments
    assert segments[0] == item.name and len(segments) >= 2
    assert all(s.startswith(item.name) for s in segments)


def test_select_caps_records_per_item():
    y = np.array([0] * 30 + [1] * 3)
    chosen = EncoderTuner(max_records_per_item=10).select(y)
    assert (y[chosen] == 0).sum() == 10 and (y[chosen] == 1).sum() == 3


def test_fingerprint_follows_data_and_settings(small_task):
    texts, y, _, _, definitions = small_task
    t = EncoderTuner()
    base = t.fingerprint(E5_DIR, texts, y, definitions)
    assert base == EncoderTuner().fingerprint(E5_DIR, texts, y, definitions)
    assert base != t.fingerprint(E5_DIR, texts, np.roll(y, 1), definitions)
    assert base != EncoderTuner(epochs=2).fingerprint(E5_DIR, texts, y, definitions)


def test_bad_labels_are_refused(small_task, tmp_path):
    texts, y, _, _, definitions = small_task
    with pytest.raises(ValueError, match="index the definitions"):
        EncoderTuner().fit(texts, y + 100, definitions, E5_DIR, tmp_path / "x")


def test_tuning_lowers_loss_and_helps_on_unseen_vocabulary(tuned, small_task):
    """Definition retrieval of held-out records (their products never occur in training) gets better."""
    _, _, test_texts, y_test, definitions = small_task
    assert tuned.loss_curve_[-1] < tuned.loss_curve_[0]
    info = json.loads((tuned.path_ / TUNING_FILE).read_text(encoding="utf-8"))
    assert info["n_steps"] == tuned.n_steps_ and info["params"]["epochs"] == 1

    def accuracy(encoder) -> float:
        Q = encoder.encode(test_texts, kind="query")
        D = encode_definitions(encoder, definitions)
        return float(np.mean((Q @ D.T).argmax(1) == y_test))

    frozen = accuracy(get_encoder("e5", cache=False))
    after = accuracy(get_encoder("e5", cache=False, tuned=(tuned.path_, "e5-small-tuned-test")))
    print(f"definition retrieval of unseen products: frozen {frozen:.3f}, tuned {after:.3f}")
    assert after > frozen, (frozen, after)


def test_tuned_encoder_keeps_exact_token_decomposition(tuned):
    enc = get_encoder("e5", cache=False, tuned=(tuned.path_, "e5-small-tuned-test"))
    assert enc.id == "e5-small-tuned-test" and enc.bundle_dir == tuned.path_
    S, tokens = enc.encode_with_tokens(["의료영상 AI 판독 보조 소프트웨어"])
    m = tokens[0].vectors.mean(0)
    assert np.allclose(S[0], m / np.linalg.norm(m), atol=1e-5)


def test_product_group_drops_model_numbers():
    r = CompanyRecord(main_product="6DoF 컨트롤러 트래킹 모듈 PO-4015 시리즈, HMD용 렌즈")
    assert product_group(r) == "컨트롤러 트래킹 모듈 시리즈"


def test_recommender_carries_reuses_and_reloads_tuned_encoder(fitted, fitted_dir, history, monkeypatch):
    """On the session's model (e5, tuned for 0.05 epochs): the recommender carries its tuned encoder, the saved
    folder holds that encoder and reloads to the same scores, and a second recommender on the same records and
    tuning settings reuses the tuned copy instead of tuning again (a different C does not change the copy)."""
    train, test = history
    assert fitted.encoder_.id.startswith("e5-small-tuned-")
    assert fitted.tuning_["n_steps"] >= 1 and fitted.tuning_["params"]["epochs"] == 0.05
    assert (fitted_dir / "encoder" / "model.safetensors").exists()
    loaded = Recommender.load(fitted_dir)
    assert loaded.encoder_.id == fitted.encoder_.id and loaded.encoder_.bundle_dir == fitted_dir / "encoder"
    assert loaded.tuning_ == fitted.tuning_
    assert np.allclose(loaded.predict_proba(test[:4]), fitted.predict_proba(test[:4]), atol=1e-5)

    def no_tuning(*args, **kwargs):
        raise AssertionError("the tuned encoder should have been reused")
    monkeypatch.setattr(EncoderTuner, "fit", no_tuning)
    again = Recommender(encoder="e5", head_backend="sklearn", C=1.0, tune_epochs=0.05).fit(train)
    assert again.encoder_.id == fitted.encoder_.id
