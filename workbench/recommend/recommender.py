"""The recommender: a fitted model over swappable score parts (``recommend/parts/``), fused by name.

``fit`` learns from judged records (``training.Trainer``); ``score`` gives every part's scores, ``proba`` the
calibrated probabilities; ``recommend`` returns the top-3 items with keywords (``explainer``), precedents and a
Korean rationale (``presenter``). One encoder call per record: the sentence vector feeds every part and the
exact keyword decomposition. ``with_revision`` carries the model over to a new criteria revision.
"""
from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from tqdm.auto import tqdm

from workbench.encoders import Encoder, get_encoder
from workbench.explain.attribution import Attributor, ExactTokenAttributor, OcclusionAttributor
from workbench.explain.keywords import KeywordTokenizer, item_terms
from workbench.heads import LinearHead
from workbench.recommend.explainer import Attribution, KeywordExplainer
from workbench.recommend.parts import PARTS, Batch, Revision
from workbench.recommend.presenter import Presenter
from workbench.recommend.profiles import PROFILES, evidence_profile
from workbench.recommend.scoring import Fusion, ScoreParts
from workbench.recommend.text import ComposedText, compose, has_text
from workbench.recommend.training import Trainer, product_group, score, short_fusion
from workbench.recommend.types import Recommendation
from workbench.schema.record import CompanyRecord, RecordValidationError, text_errors
from workbench.taxonomy.diff import RevisionDiff, diff_revisions
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Taxonomy

# 2: fine-tuned encoder folder; 3: code profiles; 4: lexical part; 5: a fusion per evidence profile;
# 6: part states under "parts", fusion weights keyed by part name; 7: the head part's short-profile head
FORMAT_VERSION = 7
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6, 7)
ENCODER_SUBDIR = "encoder"
TOP_K = 3
# Real listed companies (업종명 + 주요제품, weak labels; shared/realtext): the short profile's lexical weight scale,
# temperature scale and floor, chosen by `workbench calibrate-realtext` (5-fold cross-validation there;
# docs/recommender.md)
SHORT_LEXICAL_SCALE = 0.2
SHORT_TEMPERATURE_SCALE = 1.51
SHORT_FLOOR = 0.0
NOT_SAVED_PARAMS = ("encoder", "revision", "show_progress")  # in the manifest elsewhere, or not a model setting
_INFERENCE_LOCK = threading.Lock()  # app sessions share one model; the tokenizer and encoder run one call at a time


class NotFittedError(RuntimeError):
    pass


@dataclass
class RecordAttribution:
    """One record's probabilities and the attributions of items ``top`` (:meth:`Recommender.attribute`)."""

    composed: ComposedText
    p: np.ndarray
    top: np.ndarray
    attribution: Attribution


class Recommender(BaseEstimator):
    """scikit-learn style: ``__init__`` stores settings, ``fit`` learns ``*_`` attributes and returns self."""

    def __init__(self, encoder: str = "e5", head_backend: str = "auto", revision: str = "6",
                 C: tuple[float, ...] | float = (1.0, 0.1, 0.02),
                 knn_k: int = 20, val_fraction: float = 0.1, review_threshold: float = 0.5,
                 review_margin: float = 0.15, n_keywords: int = 5, tune_encoder: bool = True,
                 tune_epochs: float = 1.0, tune_records_per_item: int = 24,
                 short_temperature_scale: float = SHORT_TEMPERATURE_SCALE, short_floor: float = SHORT_FLOOR,
                 short_lexical_scale: float = SHORT_LEXICAL_SCALE, random_state: int = 0, show_progress: bool = False):
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
        self.short_lexical_scale = short_lexical_scale
        self.random_state = random_state
        self.show_progress = show_progress

    # ---- components ----------------------------------------------------------------------------------------
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

    @property
    def explainer_(self) -> KeywordExplainer:
        return KeywordExplainer(self.parts_, self.attributor_)

    @property
    def head_(self) -> LinearHead:
        """The logistic head of the ``head`` part."""
        return self.parts_["head"].head_

    @property
    def train_meta_(self) -> list[dict]:
        """Company, main product and item of every judged record the neighbour part indexes (precedents)."""
        return self.parts_["knn"].meta_

    def _check_fitted(self) -> None:
        if not hasattr(self, "parts_"):
            raise NotFittedError("this Recommender is not fitted; call fit() or Recommender.load()")

    # ---- training ------------------------------------------------------------------------------------------
    def fit(self, records: list[CompanyRecord]) -> Recommender:
        trained = Trainer(self.get_params(), self.taxonomy_).fit(records)
        self._encoder, self.tuning_ = trained.encoder, trained.tuning
        self.items_, self.parts_, self.fusions_, self.C_ = trained.items, trained.parts, trained.fusions, trained.C
        self.fusion_ = self.fusions_["full"]
        self.training_data_hash_ = trained.training_data_hash
        self.model_id_ = f"wb-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{self.training_data_hash_[:8]}"
        return self

    def short_fusion(self, no_codes: Fusion) -> Fusion:
        """The ``short`` profile's fusion from the ``no_codes`` one (see ``training.short_fusion``)."""
        return short_fusion(no_codes, self.short_temperature_scale, self.short_floor, self.short_lexical_scale)

    def compose(self, record: CompanyRecord) -> ComposedText:
        """The text the model reads for ``record`` (fields joined; ``locate`` maps offsets back to fields)."""
        return compose(record)

    # ---- scoring -------------------------------------------------------------------------------------------
    def score(self, records: list[CompanyRecord], vectors: np.ndarray | None = None) -> ScoreParts:
        """Each part's scores (n, n_items), keyed by part name. ``vectors``: the records' sentence vectors when
        already encoded (e.g. masked texts encoded without the cache)."""
        self._check_fitted()
        if vectors is None:
            vectors = self.encoder_.encode([compose(r).text for r in records], kind="query")
        return score(self.parts_, Batch(list(records), vectors))

    def score_parts(self, records: list[CompanyRecord]) -> ScoreParts:
        """:meth:`score` of records to encode (evaluation and ablations)."""
        return self.score(records)

    def proba(self, parts: ScoreParts, records: list[CompanyRecord]) -> np.ndarray:
        """Probabilities from the records' score parts, each record through the fusion of its evidence profile."""
        profiles = np.array([evidence_profile(r) for r in records])
        P = np.empty(next(iter(parts.values())).shape, np.float64)
        for p in set(profiles.tolist()):
            rows = profiles == p
            P[rows] = self.fusions_[p].proba(parts.rows(rows))
        return P

    def predict_proba(self, records: list[CompanyRecord], batch_size: int = 64) -> np.ndarray:
        """Calibrated probabilities (n, n_items) in the order of ``items_``."""
        self._check_fitted()
        S = self.encoder_.encode([compose(r).text for r in records], kind="query", batch_size=batch_size)
        return self.proba(self.score(records, S), records)

    def nearest(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows of ``train_meta_``, cosine similarities), each (n, k): the judged records nearest to ``vectors``."""
        self._check_fitted()
        return self.parts_["knn"].index_.query(vectors, k)

    def text_directions(self, profile: str = "full") -> np.ndarray:
        """V (n_items, dim): the weights of the part of the fused logit that is linear in the sentence vector."""
        return self.explainer_.text_directions(self.fusions_[profile], profile)

    def presenter(self) -> Presenter:
        return Presenter(self.taxonomy_, self.items_, self.parts_["knn"], self.n_keywords, self.review_threshold,
                         self.review_margin, self.model_id_, self.encoder_.id, self.fusion_.weight("lexical") > 0)

    def review_reasons(self, p: np.ndarray, record: CompanyRecord) -> list[str]:
        """Why a recommendation with probabilities ``p`` (n_items,) needs an examiner's review ([] if it does not)."""
        return self.presenter().review_reasons(p, record)

    def review_flags(self, P: np.ndarray, records: list[CompanyRecord]) -> np.ndarray:
        """Whether each row of P needs review (검토 필요), as :meth:`recommend` reports it."""
        presenter = self.presenter()
        return np.array([bool(presenter.review_reasons(p, r)) for p, r in zip(P, records)])

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
        presenter = self.presenter()
        for start in tqdm(range(0, len(records), batch_size), disable=not show_progress, unit="batch"):
            chunk = order[start:start + batch_size]
            with _INFERENCE_LOCK:
                answers = self._recommend_chunk([records[i] for i in chunk], [composed[i] for i in chunk], presenter)
            for i, answer in zip(chunk, answers):
                out[i] = answer
        return out

    def _attribute(self, records: list[CompanyRecord], composed: list[ComposedText],
                   top_items: list[np.ndarray] | None) -> tuple[Batch, ScoreParts, np.ndarray, list[np.ndarray],
                                                              list[Attribution]]:
        """Encode once, score, and attribute items ``top_items`` per record (the top 3 when None)."""
        texts = [c.text for c in composed]
        if self.encoder_.supports_tokens:
            S, tokens = self.encoder_.encode_with_tokens(texts, kind="query")
        else:
            S, tokens = self.encoder_.encode(texts, kind="query"), None
        batch = Batch(records, S)
        parts = score(self.parts_, batch)
        P = self.proba(parts, records)
        tops = list(np.argsort(-P, axis=1)[:, :TOP_K]) if top_items is None else top_items
        profiles = [evidence_profile(r) for r in records]
        V = {p: self.text_directions(p) for p in PROFILES}
        attributions = self.explainer_.attribute(batch, texts, tokens, self.tokenizer_.words_batch(texts), P, tops,
                                                 [self.fusions_[p] for p in profiles], [V[p] for p in profiles])
        return batch, parts, P, tops, attributions

    def _recommend_chunk(self, records: list[CompanyRecord], composed: list[ComposedText],
                         presenter: Presenter) -> list[Recommendation]:
        batch, parts, P, tops, attributions = self._attribute(records, composed, None)
        ids, sims = self.parts_["knn"].neighbours(batch)
        return [presenter.present(records[i], composed[i], P[i], tops[i], parts.rows(i), attributions[i],
                                  (ids[i], sims[i]))
                for i in range(len(records))]

    def attribute(self, record: CompanyRecord, item_codes: list[str]) -> RecordAttribution:
        """Every word's and code's contrastive term in the fused logit of each of ``item_codes`` for ``record`` —
        the numbers behind a recommendation's keyword list before it is cut to the top n."""
        self._check_fitted()
        composed = self.compose(record)
        top = np.array([self.items_.index(c) for c in item_codes])
        with _INFERENCE_LOCK:
            _, _, P, _, (attribution,) = self._attribute([record], [composed], [top])
        return RecordAttribution(composed, P[0], top, attribution)

    # ---- criteria revisions --------------------------------------------------------------------------------
    def with_revision(self, new: Taxonomy, diff: RevisionDiff | None = None,
                      encoder: Encoder | None = None) -> tuple[Recommender, dict]:
        """This model carried over to revision ``new`` without retraining, and what each part did: every part
        remaps itself (``ScorePart.remap``); settings, fusions and the encoder are unchanged. ``encoder``: the
        one that encodes changed definitions (default the model's; it must have the same id)."""
        self._check_fitted()
        old = self.taxonomy_
        diff = diff or diff_revisions(old, new)
        if diff.old_revision != old.revision or diff.new_revision != new.revision:
            raise ValueError(f"diff is {diff.old_revision} → {diff.new_revision}, model is revision {old.revision} "
                             f"and the target is {new.revision}")
        missing = [c for c in old.item_codes if c not in self.items_]
        if missing:
            raise ValueError(f"model items do not match revision {old.revision}: {missing[:5]} missing")
        encoder = encoder or self.encoder_
        if encoder.id != self.encoder_.id:
            raise ValueError(f"encoder {encoder.id} differs from the model's {self.encoder_.id}")
        revision = Revision(old, new, diff, list(self.items_), encoder, self.parts_)
        out = self.__class__(**{**self.get_params(), "revision": new.revision})
        out._encoder, out.tuning_ = self.encoder_, getattr(self, "tuning_", None)  # a tuned encoder travels along
        out.items_ = revision.new_items
        out.parts_ = {name: revision.part(name) for name in self.parts_}
        out.fusions_, out.fusion_, out.C_ = self.fusions_, self.fusion_, self.C_
        out.training_data_hash_ = self.training_data_hash_
        out.model_id_ = f"wb-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{self.training_data_hash_[:8]}-rev{new.revision}"
        return out, revision.report

    # ---- persistence ---------------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        states, arrays = {}, {}
        for name, part in self.parts_.items():
            states[name], part_arrays = part.state(folder)
            if arrays.keys() & part_arrays.keys():
                raise ValueError(f"part {name} reuses array names {sorted(arrays.keys() & part_arrays.keys())}")
            arrays |= part_arrays
        np.savez(folder / "arrays.npz", **arrays)
        bundle = self.encoder_.bundle_dir
        if bundle is not None and Path(bundle).resolve() != (folder / ENCODER_SUBDIR).resolve():
            shutil.copytree(bundle, folder / ENCODER_SUBDIR, dirs_exist_ok=True)
        manifest = {
            "format_version": FORMAT_VERSION, "model_id": self.model_id_, "created": datetime.now(timezone.utc).isoformat(),
            "taxonomy_revision": self.revision, "codes_version": self.taxonomy_.codes_version,
            "encoder_id": self.encoder_.id, "encoder": self.encoder,
            "head_backend": self.head_.backend, "training_data_hash": self.training_data_hash_,
            "n_train": len(self.train_meta_), "items": self.items_, "parts": states,
            "fusions": {p: f.to_dict() for p, f in self.fusions_.items()},
            "C_selected": self.C_, "encoder_dir": ENCODER_SUBDIR if bundle is not None else None,
            "tuning": getattr(self, "tuning_", None),
            "params": {k: v for k, v in self.get_params().items() if k not in NOT_SAVED_PARAMS},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Recommender:
        folder = Path(folder)
        path = folder / "manifest.json"
        if not path.exists():
            raise FileNotFoundError(f"no trained model at {folder} (manifest.json missing); run `workbench train`")
        m = json.loads(path.read_text(encoding="utf-8"))
        if m.get("format_version") not in READABLE_VERSIONS:
            raise ValueError(f"{folder}: model format {m.get('format_version')} is not supported "
                             f"(this version reads {READABLE_VERSIONS}); retrain with `workbench train`")
        params = dict(m["params"])
        if "short" in m.get("fusions", {}):  # its saved short fusion predates the lexical scale when the key is absent
            params.setdefault("short_lexical_scale", 1.0)
        self = cls(encoder=m["encoder"], revision=m["taxonomy_revision"], **params)
        if m.get("encoder_dir"):
            self._encoder = get_encoder(m["encoder"], tuned=(folder / m["encoder_dir"], m["encoder_id"]))
        self.tuning_ = m.get("tuning")
        if self.encoder_.id != m["encoder_id"]:
            raise ValueError(f"{folder}: trained with encoder {m['encoder_id']}, but {self.encoder_.id} is installed")
        # codes as the revision has them today: an official code import since training renamed some
        tax, codes_version = self.taxonomy_, m.get("codes_version", 0)
        self.items_ = [tax.current_code(c, codes_version) for c in m["items"]]
        arrays = np.load(folder / "arrays.npz")
        states = m["parts"] if "parts" in m else _parts_before_format_6(m, self.knn_k)
        self.parts_ = {name: part.from_state(states.get(name), arrays, folder, self.items_, tax)
                       for name, part in PARTS.items()}
        for meta in self.train_meta_:
            meta["item_code"] = tax.current_code(meta["item_code"], codes_version)
        # saved before evidence profiles (format ≤ 4): records without codes use the one fusion, short records
        # its calibrated short variant
        saved = m.get("fusions", {})
        full = Fusion.from_dict(saved.get("full", m.get("fusion")))
        no_codes = Fusion.from_dict(saved.get("no_codes", m.get("fusion")))
        short = Fusion.from_dict(saved["short"]) if "short" in saved else self.short_fusion(no_codes)
        self.fusions_ = {"full": full, "no_codes": no_codes, "short": short}
        self.fusion_, self.C_ = full, m["C_selected"]
        self.model_id_, self.training_data_hash_ = m["model_id"], m["training_data_hash"]
        return self


def _parts_before_format_6(m: dict, knn_k: int) -> dict[str, dict | None]:
    """Part states of a manifest saved before format 6 (same arrays and files; a part the model predates is
    None)."""
    return {"head": {"structured_categories": m["structured_categories"]}, "knn": {"k": knn_k}, "definition": {},
            "codes": m.get("codes"), "lexical": m.get("lexical")}


__all__ = ["NotFittedError", "RecordAttribution", "Recommender", "product_group"]  # product_group: the split's unit
