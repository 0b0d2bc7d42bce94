"""Fusion fitting: the one-standard-error rule on the text weights, Bayes code and lexical weights, disagreement floor."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.recommend.parts import PARTS
from workbench.recommend.scoring import Fusion, ScoreParts, fit_fusion, with_floor

N, K = 1000, 20
GRIDS = {name: part.grid for name, part in PARTS.items() if part.grid is not None}


def fit(parts: ScoreParts, y: np.ndarray):
    return fit_fusion(parts, y, GRIDS, prefer_low=("knn",))


def parts_for(y: np.ndarray, knn_signal: float, rng: np.random.Generator, noisy: np.ndarray) -> ScoreParts:
    """Head and definition parts carry most of the signal; ``knn_signal`` sets how much the kNN part adds.
    ``noisy`` rows point every part at a wrong item (labels the evidence cannot explain)."""
    target = np.where(noisy, (y + 1) % K, y)

    def part(strength: float) -> np.ndarray:
        z = rng.normal(size=(len(y), K))
        z[np.arange(len(y)), target] += strength
        return z
    return ScoreParts(head=part(2.5), knn=part(knn_signal), definition=part(0.5) / 10, codes=part(1.5),
                      lexical=part(1.0) / 10)


def test_the_registered_parts_are_the_text_and_bayes_parts():
    assert list(PARTS) == ["head", "knn", "definition", "codes", "lexical"]
    assert list(GRIDS) == ["head", "knn", "definition"] and min(GRIDS["definition"]) >= 5


@pytest.mark.parametrize("knn_signal, expect_knn", [(0.5, False), (3.0, True)])
def test_knn_weight_only_when_it_beats_the_tie(knn_signal, expect_knn):
    """At 0.5 the kNN part lifts validation accuracy 0.711 → 0.724 (best pick kNN 0.25), inside one standard
    error (0.014): the rule keeps kNN at 0. At 3.0 its gain is far outside."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, K, N)
    fusion, (acc, _) = fit(parts_for(y, knn_signal, rng, np.zeros(N, bool)), y)
    assert (fusion.weight("knn") > 0) == expect_knn
    assert fusion.weight("definition") >= 5  # the definition part always keeps a weight


def test_codes_and_lexical_enter_by_bayes_rule_and_the_floor_absorbs_disagreement():
    rng = np.random.default_rng(1)
    y = rng.integers(0, K, N)
    noisy = rng.random(N) < 0.05
    parts = parts_for(y, 1.0, rng, noisy)
    fusion, _ = fit(parts, y)
    assert fusion.weight("codes") > 0 and fusion.weight("lexical") > 0 and 0.01 < fusion.floor < 0.2
    # Bayes: each part calibrated alone, then weighted T_text / T_part (lexical is on a 10× smaller scale)
    assert 5 < fusion.weight("lexical") / fusion.weight("codes") < 20
    p = fusion.proba(parts)
    assert np.allclose(p.sum(1), 1) and p.min() >= fusion.floor / K - 1e-9
    no_codes = ScoreParts(parts, codes=np.zeros_like(parts["codes"]), lexical=np.zeros_like(parts["lexical"]))
    fusion = fit(no_codes, y)[0]
    assert fusion.weight("codes") == 0 and fusion.weight("lexical") == 0


def test_floor_default_keeps_old_fusions_unchanged():
    p = np.array([[0.9, 0.1]])
    assert with_floor(p, 0.0) is p
    assert Fusion().weight("codes") == 0 and Fusion().floor == 0


def test_fusions_saved_before_part_names_still_read():
    """Format ≤ 5 saved flat weights (head_w, knn_w, def_w, code_w, lex_w); a part the model predates weighs 0."""
    old = Fusion.from_dict({"head_w": 1.0, "knn_w": 0.5, "def_w": 20.0, "temperature": 0.7})
    assert old.weights == {"head": 1.0, "knn": 0.5, "definition": 20.0, "codes": 0.0, "lexical": 0.0}
    assert old.floor == 0 and Fusion.from_dict(old.to_dict()) == old
