"""Training a recommender: encoder tuning (cached), the product-group validation split, the head's
regularisation and a fusion per evidence profile chosen on validation, then every part refitted on all records."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.config import TUNED_DIR
from workbench.encoders import TUNABLE, Encoder, get_encoder
from workbench.encoders.tuning import TUNING_FILE, EncoderTuner
from workbench.recommend.parts import PARTS, Batch, ScorePart, TrainingData
from workbench.recommend.parts.lexical import LexicalPart
from workbench.recommend.profiles import PROFILES, profile_view
from workbench.recommend.scoring import Fusion, ScoreParts, fit_fusion
from workbench.recommend.text import compose, has_text
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.model import Taxonomy


@dataclass
class Trained:
    """What training learns (the recommender's fitted attributes)."""

    items: list[str]
    encoder: Encoder
    tuning: dict | None
    parts: dict[str, ScorePart]
    fusions: dict[str, Fusion]
    C: float
    training_data_hash: str


def score(parts: dict[str, ScorePart], batch: Batch) -> ScoreParts:
    """Every part's scores of the batch, in fusion order."""
    return ScoreParts({name: part.scores(batch) for name, part in parts.items()})


def short_fusion(no_codes: Fusion, temperature_scale: float, floor: float, lexical_scale: float) -> Fusion:
    """The fusion of ``short`` records (업종명/주요제품 only): the weights of ``no_codes`` with the lexical part's
    weight scaled, and the temperature scale and the floor, all three chosen on real listed companies
    (``realtext_calibration``). Synthetic validation cannot calibrate it: its short texts share the training
    phrasing, so a fusion fitted there is sure of itself exactly where real companies are not (measured: mean
    confidence 0.73 against weak-label hit@1 0.29). The lexical weight comes from texts of several sentences; a
    product list of a few words has a TF-IDF vector of few n-grams, whose cosine to a definition one shared word
    can make large ('통합보안솔루션' → 통합환경관리서비스)."""
    weights = {name: w * (lexical_scale if name == LexicalPart.name else 1.0) for name, w in no_codes.weights.items()}
    return dataclasses.replace(no_codes, weights=weights, temperature=no_codes.temperature * temperature_scale,
                               floor=floor)


class Trainer:
    """Fits the parts and fusions for the settings ``params`` (a recommender's ``get_params()``)."""

    def __init__(self, params: dict[str, Any], taxonomy: Taxonomy):
        self.params = params
        self.taxonomy = taxonomy

    def fit(self, records: list[CompanyRecord]) -> Trained:
        p, tax = self.params, self.taxonomy
        records = [r for r in records if has_text(r)]
        unknown = sorted({r.item_code for r in records} - set(tax.item_codes))
        if unknown:
            raise ValueError(f"labels not in revision {tax.revision}: {unknown[:5]}")
        if len(records) < 2:
            raise ValueError("fit needs at least two labelled records with text")
        items = list(tax.item_codes)
        index_of = {c: i for i, c in enumerate(items)}
        y = np.array([index_of[r.item_code] for r in records])
        texts = [compose(r).text for r in records]
        fit_idx, val_idx = self.split(y, [product_group(r) for r in records])
        encoder, tuning = get_encoder(p["encoder"]), None
        if p["tune_encoder"] and p["encoder"] in TUNABLE:  # validation records stay unseen by the tuned encoder
            encoder, tuning = self.tuned_encoder([texts[i] for i in fit_idx], y[fit_idx])
        S = encoder.encode(texts, kind="query", show_progress=p["show_progress"])
        data = TrainingData(records, S, y, items, tax, encoder, p)
        every = np.arange(len(y))
        unsupervised = {n: cls().fit(data, every) for n, cls in PARTS.items() if not cls.supervised}

        def fit_parts(rows: np.ndarray, C: float, profiles: tuple[str, ...] = PROFILES) -> dict[str, ScorePart]:
            fitted = {n: cls().fit(dataclasses.replace(data, C=C, profiles=profiles), rows)
                      for n, cls in PARTS.items() if cls.supervised}
            return {n: unsupervised[n] if n in unsupervised else fitted[n] for n in PARTS}

        grids = {n: cls.grid for n, cls in PARTS.items() if cls.grid is not None}
        prefer_low = tuple(n for n, cls in PARTS.items() if cls.prefer_low)
        val_records = [records[i] for i in val_idx]
        without_codes = [profile_view(r, "no_codes") for r in val_records]
        best = None
        for C in np.atleast_1d(p["C"]):  # regularisation and fusion chosen on the validation split only
            parts = fit_parts(fit_idx, float(C), ("full", "no_codes"))  # validation scores no short record
            fusion, key = fit_fusion(score(parts, Batch(val_records, S[val_idx])), y[val_idx], grids, prefer_low)
            if best is None or key > best[0]:
                no_codes, _ = fit_fusion(score(parts, Batch(without_codes, S[val_idx])), y[val_idx], grids,
                                         prefer_low)
                best = (key, float(C), {"full": fusion, "no_codes": no_codes})
        _, C_best, fusions = best
        fusions["short"] = short_fusion(fusions["no_codes"], p["short_temperature_scale"], p["short_floor"],
                                        p["short_lexical_scale"])
        data_hash = hashlib.sha256("\n".join(
            f"{t}\t{r.ksic_code}\t{r.nst_code}\t{r.item_code}" for t, r in zip(texts, records)).encode()).hexdigest()
        return Trained(items, encoder, tuning, fit_parts(every, C_best), fusions, C_best, data_hash)

    def tuned_encoder(self, texts: list[str], y: np.ndarray) -> tuple[Encoder, dict]:
        """The encoder's copy fine-tuned on (texts, y) and its tuning record; reused from ``TUNED_DIR`` when data
        and settings are unchanged."""
        p = self.params
        base = get_encoder(p["encoder"], cache=False)
        tuner = EncoderTuner(epochs=p["tune_epochs"], max_records_per_item=p["tune_records_per_item"],
                             random_state=p["random_state"], show_progress=p["show_progress"])
        definitions = [it.definition_segments for it in self.taxonomy.items]
        key = tuner.fingerprint(base.path, texts, y, definitions)[:16]
        folder = TUNED_DIR / key
        if not (folder / TUNING_FILE).exists():
            partial = folder.with_name(key + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            tuner.fit(texts, y, definitions, base_dir=base.path, out_dir=partial, prompts=base.prompts)
            partial.rename(folder)
        tuning = {"key": key, **json.loads((folder / TUNING_FILE).read_text(encoding="utf-8"))}
        return get_encoder(p["encoder"], tuned=(folder, base.tuned_id(key))), tuning

    def split(self, y: np.ndarray, groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Validation split by product group within each item, so near-duplicate records (same product) never
        straddle it and validation sees products that fitting did not; items with fewer than 3 records stay in
        the fitting part."""
        rng = np.random.default_rng(self.params["random_state"])
        groups_arr = np.asarray(groups, dtype=object)
        val: list[int] = []
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            if len(idx) < 3:
                continue
            want = max(1, int(round(len(idx) * self.params["val_fraction"])))
            chosen: list[int] = []
            for g in rng.permutation(sorted(set(groups_arr[idx]))):
                members = idx[groups_arr[idx] == g]
                if len(chosen) + len(members) <= 2 * want and len(members) < len(idx):
                    chosen += list(members)
                if len(chosen) >= want:
                    break
            val += chosen
        val_idx = np.array(sorted(val), dtype=int)
        return np.setdiff1d(np.arange(len(y)), val_idx), val_idx


def product_group(record: CompanyRecord) -> str:
    """The record's first main product without model numbers: '로봇 A-100 시리즈, …' → '로봇 시리즈'."""
    first = re.split(r"[,/·]", record.main_product or record.tech_project, maxsplit=1)[0]
    return " ".join(w for w in first.lower().split() if not re.search(r"\d", w) and w not in ("-", "–"))
