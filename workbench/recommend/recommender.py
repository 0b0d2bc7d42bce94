"""The recommender: one orchestrator over swappable parts (encoder, indexes, head, attributor).

``fit`` learns from judged records; ``recommend`` returns the top-3 items with calibrated confidence, keywords,
precedents and a Korean rationale per item. One encoder call per record: the sentence vector feeds the head,
both hnswlib indexes and the exact keyword decomposition.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import threading
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from workbench.config import TUNED_DIR
from workbench.encoders import TUNABLE, Encoder, get_encoder
from workbench.encoders.base import encode_definitions
from workbench.encoders.tuning import TUNING_FILE, EncoderTuner
from workbench.explain.attribution import Attributor, ExactTokenAttributor, OcclusionAttributor
from workbench.explain.keywords import KeywordTokenizer, item_terms
from workbench.explain.rationale import rationale_sentence
from workbench.heads import LinearHead, load_head, make_head
from workbench.index import HnswIndex
from workbench.recommend.codes import LABELS_KO as CODE_LABELS_KO, SOURCE_FIELD, CodeProfiles
from workbench.recommend.features import LABELS_KO, StructuredFeatures
from workbench.recommend.lexical import LexicalDefinitions, lexical_text
from workbench.recommend.principles import exclusion_proposal, principle_warnings
from workbench.recommend.profiles import LABELS_KO as PROFILE_LABELS_KO, PROFILES, evidence_profile, profile_view
from workbench.recommend.scoring import Fusion, ScoreParts, fit_fusion, knn_votes
from workbench.recommend.text import ComposedText, compose, has_text
from workbench.recommend.types import ItemRecommendation, Keyword, Precedent, Recommendation
from workbench.schema.record import CompanyRecord, RecordValidationError, text_errors
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Taxonomy

PARAMS = ("head_backend", "C", "knn_k", "val_fraction", "review_threshold", "review_margin", "n_keywords",
          "tune_encoder", "tune_epochs", "tune_records_per_item", "short_temperature_scale", "short_floor",
          "random_state")  # settings kept in the manifest
FORMAT_VERSION = 5  # 2: fine-tuned encoder folder; 3: code profiles; 4: lexical part; 5: a fusion per evidence profile
READABLE_VERSIONS = (1, 2, 3, 4, 5)
ENCODER_SUBDIR = "encoder"
TOP_K = 3
# Real listed companies (업종명 + 주요제품, weak labels; shared/realtext): the short profile's temperature scale
# and floor, chosen by `workbench calibrate-realtext` (5-fold cross-validation there; docs/recommender.md)
SHORT_TEMPERATURE_SCALE = 2.2
SHORT_FLOOR = 0.02
_INFERENCE_LOCK = threading.Lock()  # app sessions share one model; the tokenizer and encoder run one call at a time


class NotFittedError(RuntimeError):
    pass


class Recommender:
    """scikit-learn style: ``__init__`` stores settings, ``fit`` learns ``*_`` attributes and returns self."""

    def __init__(self, encoder: str = "e5", head_backend: str = "auto", revision: str = "6",
                 C: tuple[float, ...] | float = (1.0, 0.1, 0.02),
                 knn_k: int = 20, val_fraction: float = 0.1, review_threshold: float = 0.5,
                 review_margin: float = 0.15, n_keywords: int = 5, tune_encoder: bool = True,
                 tune_epochs: float = 1.0, tune_records_per_item: int = 24,
                 short_temperature_scale: float = SHORT_TEMPERATURE_SCALE, short_floor: float = SHORT_FLOOR,
                 random_state: int = 0, show_progress: bool = False):
        self.encoder = encoder
        self.head_backend = head_backend
        self.revision = revision
        self.C = C
        self.knn_k = knn_k
        self.val_fraction = val_fraction
        self.review_threshold = review_threshold
        self.review_margin = review_margin
        self.n_keywords = n_keywords
        self.tune_encoder = tune_encoder
        self.tune_epochs = tune_epochs
        self.tune_records_per_item = tune_records_per_item
        self.short_temperature_scale = short_temperature_scale
        self.short_floor = short_floor
        self.random_state = random_state
        self.show_progress = show_progress

    # ---- parts ---------------------------------------------------------------------------------------------
    @property
    def encoder_(self) -> Encoder:
        if not hasattr(self, "_encoder"):
            self._encoder = get_encoder(self.encoder)
        return self._encoder

    @property
    def taxonomy_(self) -> Taxonomy:
        return load_taxonomy(self.revision)

    @property
    def tokenizer_(self) -> KeywordTokenizer:
        if not hasattr(self, "_tokenizer"):
            self._tokenizer = KeywordTokenizer(tuple(item_terms(self.taxonomy_)))
        return self._tokenizer

    @property
    def attributor_(self) -> Attributor:
        if self.encoder_.supports_tokens:
            return ExactTokenAttributor()
        return OcclusionAttributor(getattr(self.encoder_, "encoder", self.encoder_))  # occluded texts bypass the cache

    def _check_fitted(self) -> None:
        if not hasattr(self, "head_"):
            raise NotFittedError("this Recommender is not fitted; call fit() or Recommender.load()")

    # ---- training ------------------------------------------------------------------------------------------
    def fit(self, records: list[CompanyRecord]) -> "Recommender":
        tax = self.taxonomy_
        records = [r for r in records if has_text(r)]
        unknown = sorted({r.item_code for r in records} - set(tax.item_codes))
        if unknown:
            raise ValueError(f"labels not in revision {tax.revision}: {unknown[:5]}")
        if len(records) < 2:
            raise ValueError("fit needs at least two labelled records with text")
        self.items_ = list(tax.item_codes)
        index_of = {c: i for i, c in enumerate(self.items_)}
        y = np.array([index_of[r.item_code] for r in records])
        texts = [compose(r).text for r in records]
        fit_idx, val_idx = self._split(y, [product_group(r) for r in records])
        self._encoder, self.tuning_ = get_encoder(self.encoder), None
        if self.tune_encoder and self.encoder in TUNABLE:  # validation records stay unseen by the tuned encoder
            self._encoder = self._tuned_encoder([texts[i] for i in fit_idx], y[fit_idx], tax)
        S = self.encoder_.encode(texts, kind="query", show_progress=self.show_progress)
        self.definition_vectors_ = encode_definitions(self.encoder_, [it.definition_segments for it in tax.items])
        self.lexical_ = LexicalDefinitions().fit([it.definition_text for it in tax.items],
                                                 [lexical_text(r) for r in records])

        val_records = [records[i] for i in val_idx]
        without_codes = [profile_view(r, "no_codes") for r in val_records]
        best = None
        for C in np.atleast_1d(self.C):  # regularisation and fusion chosen on the validation split only
            self._fit_parts(records, S, y, fit_idx, float(C))
            fusion, key = fit_fusion(self._score_parts(S[val_idx], val_records), y[val_idx])
            if best is None or key > best[0]:
                no_codes, _ = fit_fusion(self._score_parts(S[val_idx], without_codes), y[val_idx])
                best = (key, float(C), {"full": fusion, "no_codes": no_codes})
        _, self.C_, self.fusions_ = best
        self.fusions_["short"] = self.short_fusion(self.fusions_["no_codes"])
        self.fusion_ = self.fusions_["full"]
        self._fit_parts(records, S, y, np.arange(len(y)), self.C_)
        self.train_meta_ = [{"company_name": r.company_name, "main_product": r.main_product[:120],
                             "item_code": r.item_code} for r in records]
        self.training_data_hash_ = hashlib.sha256("\n".join(
            f"{t}\t{r.ksic_code}\t{r.nst_code}\t{r.item_code}" for t, r in zip(texts, records)).encode()).hexdigest()
        self.model_id_ = f"wb-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{self.training_data_hash_[:8]}"
        return self

    def _tuned_encoder(self, texts: list[str], y: np.ndarray, tax: Taxonomy) -> Encoder:
        """The encoder's copy fine-tuned on (texts, y); reused from ``TUNED_DIR`` when data and settings are
        unchanged."""
        base = get_encoder(self.encoder, cache=False)
        tuner = EncoderTuner(epochs=self.tune_epochs, max_records_per_item=self.tune_records_per_item,
                             random_state=self.random_state, show_progress=self.show_progress)
        definitions = [it.definition_segments for it in tax.items]
        key = tuner.fingerprint(base.path, texts, y, definitions)[:16]
        folder = TUNED_DIR / key
        if not (folder / TUNING_FILE).exists():
            partial = folder.with_name(key + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            tuner.fit(texts, y, definitions, base_dir=base.path, out_dir=partial, prompts=base.prompts)
            partial.rename(folder)
        self.tuning_ = {"key": key, **json.loads((folder / TUNING_FILE).read_text(encoding="utf-8"))}
        return get_encoder(self.encoder, tuned=(folder, base.tuned_id(key)))

    def short_fusion(self, no_codes: Fusion) -> Fusion:
        """The fusion of ``short`` records (업종명/주요제품 only): the weights of ``no_codes``, with the temperature
        scale and the floor chosen on real listed companies (``realtext_calibration``).
        Synthetic validation cannot calibrate it: its short texts share the training phrasing, so a fusion
        fitted there is sure of itself exactly where real companies are not (measured: mean confidence 0.73
        against weak-label hit@1 0.29)."""
        return dataclasses.replace(no_codes, temperature=no_codes.temperature * self.short_temperature_scale,
                                   floor=self.short_floor)

    def _split(self, y: np.ndarray, groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Validation split by product group within each item, so near-duplicate records (same product) never
        straddle it and validation sees products that fitting did not; items with fewer than 3 records stay in
        the fitting part."""
        rng = np.random.default_rng(self.random_state)
        groups_arr = np.asarray(groups, dtype=object)
        val: list[int] = []
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            if len(idx) < 3:
                continue
            want = max(1, int(round(len(idx) * self.val_fraction)))
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

    def _fit_parts(self, records, S, y, idx, C: float) -> None:
        recs = [records[i] for i in idx]
        self.structured_ = StructuredFeatures().fit(recs)
        self.codes_ = CodeProfiles().fit(recs, y[idx], self.taxonomy_, self.items_)
        self.scaler_ = StandardScaler().fit(S[idx])
        X = np.hstack([self.scaler_.transform(S[idx]), self.structured_.transform(recs)])
        head = make_head(self.head_backend, C=C).fit(X, y[idx])
        # every item gets a row, also items without training records (reachable via the other parts)
        coef = np.zeros((len(self.items_), X.shape[1]), np.float32)
        intercept = np.full(len(self.items_), head.intercept_.min() - 5.0, np.float32)
        coef[head.classes_], intercept[head.classes_] = head.coef_, head.intercept_
        head.classes_, head.coef_, head.intercept_ = np.arange(len(self.items_)), coef, intercept
        self.head_: LinearHead = head
        self.knn_index_ = HnswIndex().fit(S[idx], [str(int(v)) for v in y[idx]])
        self.knn_labels_ = y[idx]

    # ---- scoring -------------------------------------------------------------------------------------------
    def _score_parts(self, S: np.ndarray, records: list[CompanyRecord],
                     neighbours: tuple[np.ndarray, np.ndarray] | None = None,
                     lexical: list[tuple] | None = None) -> ScoreParts:
        """``neighbours``: (ids, sims) of an earlier query of at least ``knn_k`` rows, to avoid querying twice;
        ``lexical``: the records' analysed lexical texts, likewise."""
        X = np.hstack([self.scaler_.transform(S), self.structured_.transform(records)])
        ids, sims = neighbours if neighbours is not None else self.knn_index_.query(S, self.knn_k)
        ids, sims = ids[:, : self.knn_k], sims[:, : self.knn_k]
        return ScoreParts(head=self.head_.decision_function(X),
                          knn=knn_votes(self.knn_labels_[ids], sims, len(self.items_)),
                          definition=S @ self.definition_vectors_.T, codes=self.codes_.transform(records),
                          lexical=self.lexical_.scores(lexical if lexical is not None else
                                                       [self.lexical_.analyze(lexical_text(r)) for r in records]))

    def text_directions(self, profile: str = "full") -> np.ndarray:
        """V (n_items, dim): the weights of the part of the fused logit that is linear in the sentence vector."""
        d = self.definition_vectors_.shape[1]
        f = self.fusions_[profile]
        head_text = self.head_.coef_[:, :d] / self.scaler_.scale_[None, :].astype(np.float32)
        return (f.head_w * head_text + f.def_w * self.definition_vectors_) / f.temperature

    def predict_proba(self, records: list[CompanyRecord], batch_size: int = 64) -> np.ndarray:
        """Calibrated probabilities (n, n_items) in the order of ``items_``."""
        self._check_fitted()
        S = self.encoder_.encode([compose(r).text for r in records], kind="query", batch_size=batch_size)
        return self.proba(self._score_parts(S, records), records)

    def proba(self, parts: ScoreParts, records: list[CompanyRecord]) -> np.ndarray:
        """Probabilities from the records' score parts, each record through the fusion of its evidence profile."""
        profiles = np.array([evidence_profile(r) for r in records])
        P = np.empty(parts.head.shape, np.float64)
        for p in set(profiles.tolist()):
            rows = profiles == p
            P[rows] = self.fusions_[p].proba(parts.rows(rows))
        return P

    def review_reasons(self, p: np.ndarray, record: CompanyRecord) -> list[str]:
        """Why a recommendation with probabilities ``p`` (n_items,) needs an examiner's review ([] if it does not)."""
        first, second = np.sort(p)[::-1][:2]
        reasons = []
        if first < self.review_threshold:
            reasons.append(f"1순위 신뢰도 {first:.0%} < 기준 {self.review_threshold:.0%}")
        if first - second < self.review_margin:
            reasons.append(f"1·2순위 신뢰도 차이 {first - second:.0%}p가 작음")
        profile = evidence_profile(record)
        if reasons and profile != "full":
            reasons.append(f"입력 근거 부족({PROFILE_LABELS_KO[profile]}): 신뢰도를 그만큼 낮게 보정함")
        return reasons

    def review_flags(self, P: np.ndarray, records: list[CompanyRecord]) -> np.ndarray:
        """Whether each row of P needs review (검토 필요), as :meth:`recommend` reports it."""
        return np.array([bool(self.review_reasons(p, r)) for p, r in zip(P, records)])

    def score_parts(self, records: list[CompanyRecord]) -> ScoreParts:
        """Each part's scores, for evaluation and ablations."""
        self._check_fitted()
        S = self.encoder_.encode([compose(r).text for r in records], kind="query")
        return self._score_parts(S, records)

    # ---- recommendation ------------------------------------------------------------------------------------
    def recommend(self, record: CompanyRecord) -> Recommendation:
        return self.recommend_batch([record])[0]

    def recommend_batch(self, records: list[CompanyRecord], batch_size: int = 32,
                        show_progress: bool = False) -> list[Recommendation]:
        self._check_fitted()
        for r in records:
            if not has_text(r):
                raise ValueError("record has no text: 주요제품, 제품용도, 기술사업명 and 업종명 are all blank")
            problems = text_errors(r)  # bounded work per record under the shared inference lock
            if problems:
                raise RecordValidationError(problems)
        # Chunks of similar length pad less (as sentence-transformers' own encode does); answers keep input order.
        composed = [compose(r) for r in records]
        order = sorted(range(len(records)), key=lambda i: len(composed[i].text))
        out: list[Recommendation | None] = [None] * len(records)
        V = {p: self.text_directions(p) for p in PROFILES}
        for start in tqdm(range(0, len(records), batch_size), disable=not show_progress, unit="batch"):
            chunk = order[start:start + batch_size]
            with _INFERENCE_LOCK:
                answers = self._recommend_chunk([records[i] for i in chunk], [composed[i] for i in chunk], V)
            for i, answer in zip(chunk, answers):
                out[i] = answer
        return out

    def _recommend_chunk(self, records: list[CompanyRecord], composed: list[ComposedText],
                         V: dict[str, np.ndarray]) -> list[Recommendation]:
        texts = [c.text for c in composed]
        if self.encoder_.supports_tokens:
            S, tokens = self.encoder_.encode_with_tokens(texts, kind="query")
        else:
            S, tokens = self.encoder_.encode(texts, kind="query"), None
        ids, sims = self.knn_index_.query(S, max(self.knn_k, 50))  # votes use the first knn_k, precedents all
        lexical_texts = [lexical_text(r) for r in records]
        lexical = [self.lexical_.analyze(t) for t in lexical_texts]
        parts = self._score_parts(S, records, (ids, sims), lexical)
        P = self.proba(parts, records)
        top = np.argsort(-P, axis=1)[:, :TOP_K]
        words = self.tokenizer_.words_batch(texts)
        X_struct = self.structured_.transform(records)
        profiles = [evidence_profile(r) for r in records]
        directions = [np.stack([V[p][c] - competitors(P[i], c) @ V[p] for c in t])
                      for i, (t, p) in enumerate(zip(top, profiles))]
        contributions = self.attributor_.attribute(texts, S, tokens, words, directions)
        for i, t in enumerate(top):
            fusion = self.fusions_[profiles[i]]
            if fusion.lex_w:
                contributions[i] = contributions[i] + self._lexical_word_terms(
                    lexical_texts[i], lexical[i], words[i], P[i], t, fusion)
        return [self._assemble(records[i], composed[i], P[i], top[i], parts, i, words[i], contributions[i],
                               self._code_evidence(records[i], X_struct[i], self.fusions_[profiles[i]]),
                               ids[i], sims[i])
                for i in range(len(records))]

    def _lexical_word_terms(self, text: str, analyzed: tuple, words, p: np.ndarray,
                            top: np.ndarray, fusion: Fusion) -> np.ndarray:
        """(n_words, len(top)): each word's exact contrastive term of the lexical part in the fused logit."""
        directions = -np.stack([competitors(p, c) for c in top])
        directions[np.arange(len(top)), top] += 1.0  # item c against its probability-weighted competitors
        directions *= fusion.lex_w / fusion.temperature
        chars = self.lexical_.char_contributions(text, directions, analyzed)
        cum = np.concatenate([np.zeros((len(top), 1)), np.cumsum(chars, axis=1)], axis=1)
        n = chars.shape[1]
        starts = np.minimum([w.start for w in words], n).astype(int)
        ends = np.minimum([w.end for w in words], n).astype(int)
        return (cum[:, ends] - cum[:, starts]).T if words else np.zeros((0, len(top)))

    def _code_evidence(self, record: CompanyRecord, x_struct: np.ndarray,
                       fusion: Fusion) -> tuple[list[tuple[str, str]], np.ndarray]:
        """The record's structured pseudo-keywords — (label, field) — and each one's term in the fused logit
        of every item, (n, n_items): head weights of its KSIC/NST one-hots plus its code-profile log-ratios (the
        NST section appears in both and is one keyword with the summed term)."""
        scale = 1.0 / fusion.temperature
        d_text = self.definition_vectors_.shape[1]
        names = self.structured_.feature_names_
        terms: dict[tuple[str, str], np.ndarray] = {}
        for j in np.flatnonzero(x_struct):
            key = (_struct_label(names[j]), "ksic_code" if "ksic" in names[j] else "nst_code")
            terms[key] = terms.get(key, 0.0) + self.head_.coef_[:, d_text + j] * (fusion.head_w * scale)
        for field, value, j in self.codes_.columns(record) if fusion.code_w else []:
            key = (f"{CODE_LABELS_KO[field]} {value}", SOURCE_FIELD[field])
            terms[key] = terms.get(key, 0.0) + self.codes_.log_ratio_[field][:, j] * (fusion.code_w * scale)
        return list(terms), np.array(list(terms.values()), np.float64).reshape(len(terms), len(self.items_))

    def _assemble(self, record, composed: ComposedText, p, top, parts, row, words, contrib,
                  code_evidence: tuple[list[tuple[str, str]], np.ndarray], nb_ids, nb_sims) -> Recommendation:
        tax = self.taxonomy_
        code_labels, code_terms = code_evidence
        nb_labels = self.knn_labels_[nb_ids]
        items = []
        for rank, c in enumerate(top, start=1):
            keywords = _merge_keywords(words, contrib[:, rank - 1], composed)
            weights = code_terms[:, c] - code_terms @ competitors(p, c)  # contrastive, as the text keywords
            keywords += [Keyword(label, round(float(w), 4), field) for (label, field), w in zip(code_labels, weights)]
            keywords = sorted(keywords, key=lambda k: -k.weight)[: self.n_keywords]
            precedents = [Precedent(**self.train_meta_[j], similarity=round(float(nb_sims[k]), 4))
                          for k, j in enumerate(nb_ids) if nb_labels[k] == c][:3]
            n_votes = int(np.count_nonzero(nb_labels[: self.knn_k] == c))
            info = tax.describe(self.items_[c])
            items.append(ItemRecommendation(
                rank=rank, **info, confidence=round(float(p[c]), 4),
                rationale=rationale_sentence(info["item_name"], keywords, n_votes, self.knn_k,
                                             float(parts.definition[row, c]), rank),
                keywords=keywords, precedents=precedents,
                scores={"head": round(float(parts.head[row, c]), 4), "knn": round(float(parts.knn[row, c]), 4),
                        "definition": round(float(parts.definition[row, c]), 4),
                        "codes": round(float(parts.codes[row, c]), 4),
                        "lexical": round(float(parts.lexical[row, c]), 4)}))
        reasons = self.review_reasons(p, record)
        return Recommendation(items=items, review_required=bool(reasons), review_reasons=reasons,
                              warnings=principle_warnings(record), proposed_none=exclusion_proposal(record),
                              taxonomy_revision=tax.revision,
                              model_id=self.model_id_, encoder_id=self.encoder_.id)

    # ---- persistence ---------------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.head_.save(folder / "head.npz")
        codes_state, codes_arrays = self.codes_.to_state()
        lexical_state, lexical_arrays = self.lexical_.to_state()
        np.savez(folder / "arrays.npz", definition_vectors=self.definition_vectors_, knn_labels=self.knn_labels_,
                 scaler_mean=self.scaler_.mean_, scaler_scale=self.scaler_.scale_, **codes_arrays, **lexical_arrays)
        self.knn_index_.save(folder, "knn")
        (folder / "train_meta.json").write_text(json.dumps(self.train_meta_, ensure_ascii=False), encoding="utf-8")
        bundle = self.encoder_.bundle_dir
        if bundle is not None and Path(bundle).resolve() != (folder / ENCODER_SUBDIR).resolve():
            shutil.copytree(bundle, folder / ENCODER_SUBDIR, dirs_exist_ok=True)
        manifest = {
            "format_version": FORMAT_VERSION, "model_id": self.model_id_, "created": datetime.now(timezone.utc).isoformat(),
            "taxonomy_revision": self.revision, "codes_version": self.taxonomy_.codes_version,
            "encoder_id": self.encoder_.id, "encoder": self.encoder,
            "head_backend": self.head_.backend, "training_data_hash": self.training_data_hash_,
            "n_train": len(self.train_meta_), "items": self.items_, "fusion": asdict(self.fusion_),
            "fusions": {p: asdict(f) for p, f in self.fusions_.items()},
            "structured_categories": self.structured_.categories_, "codes": codes_state, "lexical": lexical_state,
            "C_selected": self.C_, "encoder_dir": ENCODER_SUBDIR if bundle is not None else None,
            "tuning": getattr(self, "tuning_", None),
            "params": {k: getattr(self, k) for k in PARAMS},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "Recommender":
        folder = Path(folder)
        path = folder / "manifest.json"
        if not path.exists():
            raise FileNotFoundError(f"no trained model at {folder} (manifest.json missing); run `workbench train`")
        m = json.loads(path.read_text(encoding="utf-8"))
        if m.get("format_version") not in READABLE_VERSIONS:
            raise ValueError(f"{folder}: model format {m.get('format_version')} is not supported "
                             f"(this version reads {READABLE_VERSIONS}); retrain with `workbench train`")
        self = cls(encoder=m["encoder"], revision=m["taxonomy_revision"], **m["params"])
        if m.get("encoder_dir"):
            self._encoder = get_encoder(m["encoder"], tuned=(folder / m["encoder_dir"], m["encoder_id"]))
        self.tuning_ = m.get("tuning")
        if self.encoder_.id != m["encoder_id"]:
            raise ValueError(f"{folder}: trained with encoder {m['encoder_id']}, but {self.encoder_.id} is installed")
        # codes as the revision has them today: an official code import since training renamed some
        codes_version = m.get("codes_version", 0)
        self.items_ = [self.taxonomy_.current_code(c, codes_version) for c in m["items"]]
        self.head_ = load_head(folder / "head.npz")
        arrays = np.load(folder / "arrays.npz")
        self.definition_vectors_, self.knn_labels_ = arrays["definition_vectors"], arrays["knn_labels"]
        self.scaler_ = StandardScaler()
        self.scaler_.mean_, self.scaler_.scale_ = arrays["scaler_mean"], arrays["scaler_scale"]
        self.scaler_.n_features_in_ = len(self.scaler_.mean_)
        self.structured_ = StructuredFeatures.from_categories(m["structured_categories"])
        if "codes" in m:
            self.codes_ = CodeProfiles.from_state(m["codes"], arrays)
        else:  # saved before code profiles: an empty profile scores 0 everywhere (and its fusion weight is 0)
            self.codes_ = CodeProfiles(link_weight=0.0).fit([], np.zeros(0, int), self.taxonomy_, self.items_)
        if "lexical" in m:
            self.lexical_ = LexicalDefinitions.from_state(m["lexical"], arrays)
        else:  # saved before the lexical part: it scores 0 everywhere (and its fusion weight is 0)
            self.lexical_ = LexicalDefinitions.empty(len(self.items_))
        self.knn_index_ = HnswIndex.load(folder, "knn")
        self.train_meta_ = [{**meta, "item_code": self.taxonomy_.current_code(meta["item_code"], codes_version)}
                            for meta in json.loads((folder / "train_meta.json").read_text(encoding="utf-8"))]
        # saved before evidence profiles (format ≤ 4): records without codes use the one fusion, short records
        # its calibrated short variant
        saved = m.get("fusions", {})
        full, no_codes = Fusion(**m["fusion"]), Fusion(**saved.get("no_codes", m["fusion"]))
        short = Fusion(**saved["short"]) if "short" in saved else self.short_fusion(no_codes)
        self.fusions_ = {"full": full, "no_codes": no_codes, "short": short}
        self.fusion_, self.C_ = full, m["C_selected"]
        self.model_id_, self.training_data_hash_ = m["model_id"], m["training_data_hash"]
        return self


def product_group(record: CompanyRecord) -> str:
    """The record's first main product without model numbers: '로봇 A-100 시리즈, …' → '로봇 시리즈'."""
    first = re.split(r"[,/·]", record.main_product or record.tech_project, maxsplit=1)[0]
    return " ".join(w for w in first.lower().split() if not re.search(r"\d", w) and w not in ("-", "–"))


def competitors(p: np.ndarray, c: int) -> np.ndarray:
    """Probability weights of the items other than c (renormalised): the baseline of contrastive attributions."""
    q = p.astype(np.float64) + 1e-12
    q[c] = 0.0
    return q / q.sum()


def _struct_label(feature_name: str) -> str:
    """'ksic_group_262' → '업종코드 소분류 262'."""
    column = next(c for c in LABELS_KO if feature_name.startswith(c + "_"))
    return f"{LABELS_KO[column]} {feature_name[len(column) + 1:]}"


def _merge_keywords(words, weights: np.ndarray, composed: ComposedText) -> list[Keyword]:
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


__all__ = ["Recommender", "NotFittedError"]
