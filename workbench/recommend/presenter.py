"""The Korean recommendation of one record: top items with confidence, keywords, precedents, rationale and the
review decision, from the model's scores and the explainer's attributions."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from workbench.explain.keywords import Word
from workbench.explain.rationale import rationale_sentence
from workbench.recommend.explainer import Attribution
from workbench.recommend.parts.knn import KnnPart
from workbench.recommend.principles import exclusion_proposal, principle_warnings
from workbench.recommend.profiles import LABELS_KO as PROFILE_LABELS_KO, evidence_profile
from workbench.recommend.scoring import ScoreParts
from workbench.recommend.text import ComposedText
from workbench.recommend.types import ItemRecommendation, Keyword, Precedent, Recommendation
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.model import Taxonomy


# Best lexical cosine (1–3-character n-grams) with any item definition below which the wording shares almost nothing
# with the criteria: 3.7% of the real dev companies (none with a labelled item at 1순위, mean confidence 0.17),
# 4.8% of synthetic records as a listing shows them, none of the full synthetic records (docs/recommender.md)
LOW_OVERLAP = 0.05


class Presenter:
    """Builds :class:`Recommendation` objects for one fitted model."""

    def __init__(self, taxonomy: Taxonomy, items: list[str], knn: KnnPart, n_keywords: int,
                 review_threshold: float, review_margin: float, model_id: str, encoder_id: str,
                 lexical: bool = True):
        """``lexical``: the model has a fitted lexical part (models saved before it score 0 there)."""
        self.taxonomy, self.items, self.knn, self.n_keywords = taxonomy, items, knn, n_keywords
        self.review_threshold, self.review_margin = review_threshold, review_margin
        self.model_id, self.encoder_id, self.lexical = model_id, encoder_id, lexical

    def present(self, record: CompanyRecord, composed: ComposedText, p: np.ndarray, top: np.ndarray,
                scores: ScoreParts, attribution: Attribution, neighbours: tuple[np.ndarray, np.ndarray]) -> Recommendation:
        """``scores``: this record's part scores (one row each); ``neighbours``: its (row ids, similarities)."""
        nb_ids, nb_sims = neighbours
        nb_labels = self.knn.labels_[nb_ids]
        items = []
        for rank, c in enumerate(top, start=1):
            keywords = merge_keywords(attribution.words, attribution.word_terms[:, rank - 1], composed)
            keywords += [Keyword(label, round(float(w), 4), field)
                         for (label, field), w in zip(attribution.code_labels, attribution.code_weights(p, c))]
            keywords = sorted(keywords, key=lambda k: -k.weight)[: self.n_keywords]
            precedents = [Precedent(**self.knn.meta_[j], similarity=round(float(nb_sims[k]), 4))
                          for k, j in enumerate(nb_ids) if nb_labels[k] == c][:3]
            n_votes = int(np.count_nonzero(nb_labels[: self.knn.k_] == c))
            info = self.taxonomy.describe(self.items[c])
            items.append(ItemRecommendation(
                rank=rank, **info, confidence=round(float(p[c]), 4),
                rationale=rationale_sentence(info["item_name"], keywords, n_votes, self.knn.k_,
                                             float(scores["definition"][c]), rank),
                keywords=keywords, precedents=precedents,
                scores={name: round(float(z[c]), 4) for name, z in scores.items()}))
        reasons = self.review_reasons(p, record, unfamiliar=bool(self.unfamiliar(scores["lexical"])))
        return Recommendation(items=items, review_required=bool(reasons), review_reasons=reasons,
                              warnings=principle_warnings(record), proposed_none=exclusion_proposal(record),
                              taxonomy_revision=self.taxonomy.revision, model_id=self.model_id,
                              encoder_id=self.encoder_id)

    def unfamiliar(self, lexical: np.ndarray) -> np.ndarray:
        """Per row of lexical part scores (or for one row): whether the wording shares almost nothing with any item
        definition — never for a model without a lexical part."""
        return np.logical_and(self.lexical, lexical.max(axis=-1) < LOW_OVERLAP)

    @cached_property
    def field_membership(self) -> tuple[list[str], np.ndarray]:
        """:func:`membership` of the model's items in their 분야 (by 분야 code)."""
        return membership([self.taxonomy.describe(code)["field_code"] for code in self.items])

    def likely_field(self, p: np.ndarray) -> tuple[str, float] | None:
        """(분야, its items' summed probability) when that sum clears the bar an item must clear to go unflagged
        (≥ ``review_threshold`` and ``review_margin`` ahead of the next 분야); None otherwise. Measured on flagged
        answers (docs/recommender.md): the 분야 named is right for 71% of the real dev companies where it is given
        (43% where it is not), 67% of the synthetic ones."""
        codes, member = self.field_membership
        sums = p @ member
        first, second = np.argsort(-sums, kind="stable")[:2]
        if sums[first] >= self.review_threshold and sums[first] - sums[second] >= self.review_margin:
            return self.taxonomy.field_by_code[codes[first]].name, float(sums[first])
        return None

    def review_reasons(self, p: np.ndarray, record: CompanyRecord, unfamiliar: bool = False) -> list[str]:
        """Why a recommendation with probabilities ``p`` (n_items,) needs an examiner's review ([] if it does not).
        ``unfamiliar`` (:meth:`unfamiliar`) explains a flag further and the :meth:`likely_field` says where to look;
        neither raises one."""
        first, second = np.sort(p)[::-1][:2]
        reasons = []
        if first < self.review_threshold:
            reasons.append(f"1순위 신뢰도 {first:.0%} < 기준 {self.review_threshold:.0%}")
        if first - second < self.review_margin:
            reasons.append(f"1·2순위 신뢰도 차이 {first - second:.0%}p가 작음")
        profile = evidence_profile(record)
        if reasons and profile != "full":
            reasons.append(f"입력 근거 부족({PROFILE_LABELS_KO[profile]}): 신뢰도를 그만큼 낮게 보정함")
        if reasons and unfamiliar:
            reasons.append("품목 정의와 겹치는 표현이 거의 없음: 혁신성장 품목이 아니거나 제품 설명이 부족할 수 있음")
        if reasons and (field := self.likely_field(p)):
            reasons.append(f"분야 수준에서는 '{field[0]}' 분야가 유력함(이 분야 품목의 신뢰도 합계 {field[1]:.0%}): "
                           "같은 분야의 다른 품목도 함께 확인")
        return reasons


def membership(group_of: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct groups (sorted) and the (n_items, n_groups) 0/1 matrix of which group each item is in: P @ matrix
    sums each group's probability."""
    names = sorted(set(group_of))
    member = np.zeros((len(group_of), len(names)))
    member[np.arange(len(group_of)), [names.index(g) for g in group_of]] = 1.0
    return names, member


def merge_keywords(words: list[Word], weights: np.ndarray, composed: ComposedText) -> list[Keyword]:
    """One keyword per distinct word form: summed weight, every span, located in its record field."""
    merged: dict[tuple[str, str], Keyword] = {}
    for w, weight in zip(words, weights):
        loc = composed.locate(w.start, w.end)
        if loc is None:
            continue
        field, a, b = loc
        kw = merged.setdefault((w.text, field), Keyword(w.text, 0.0, field, []))
        kw.weight = round(kw.weight + float(weight), 4)
        kw.spans.append((a, b))
    return list(merged.values())
