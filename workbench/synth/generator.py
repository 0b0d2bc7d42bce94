"""Deterministic synthetic judgment history in the guarantor's format (see docs/data_card.md).

Train and held-out records are composed from separate vocabulary pools (``lexicon/*.json``) and separate
templates (``templates.py``); frequencies are long-tailed; KSIC codes follow each item's KSIC links with
noise; some companies touch a sibling item; about 3% of labels are replaced (examiners disagree).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.schema.ingest import records_to_frame
from workbench.schema.record import BRN_WEIGHTS, CompanyRecord
from workbench.synth import templates as T
from workbench.synth.excluded import excluded_records
from workbench.synth.templates import fill
from workbench.taxonomy.ksic import KsicTables, ksic_tables
from workbench.taxonomy.loader import load_taxonomy
from workbench.taxonomy.model import Taxonomy

LEXICON_DIR = Path(__file__).parent / "lexicon"
SPLITS = ("train", "test")
LABEL_NOISE = 0.03
SIBLING_MIX = 0.10
KSIC_NOISE = 0.10
KSIC10_SHARE = 0.15
MIN_TRAIN_PER_ITEM = 5
ZIPF_EXPONENT = 0.7
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
NAME_SYLLABLES = "민서준지현우하윤도영수진예성은재연태경"
COMPANY_STEMS = ["한빛", "세움", "다온", "누리", "에이치", "코리아", "대성", "미래", "나래", "하이", "씨엔", "유니",
                 "제이", "그린", "블루", "에스", "케이", "한결", "아이", "두리", "비전", "이노", "넥스", "온새"]
COMPANY_TAILS = ["테크", "솔루션", "시스템즈", "바이오", "머티리얼즈", "에너지", "랩스", "로보틱스", "소프트",
                 "메디칼", "엔지니어링", "산업", "일렉트로닉스", "인더스트리", "팜", "모빌리티"]


@dataclass
class ItemLexicon:
    item_code: str
    nst: list[str]
    pools: dict[str, dict[str, list[str]]]  # split → kind → phrases


def load_lexicon(taxonomy: Taxonomy) -> dict[str, ItemLexicon]:
    """Lexicon entries keyed by item code (matched on the item name of the revision)."""
    code_by_name = {i.name: i.code for i in taxonomy.items}
    entries = [(p, e) for p in sorted(LEXICON_DIR.glob("items_*.json")) for e in json.loads(p.read_text(encoding="utf-8"))]
    # held-out pools never contain a phrase of any item's training pool (generic specs recur across items)
    train_phrases = {_squash(p) for _, e in entries for kind in e["train"].values() for p in kind}
    long_train = [p for p in train_phrases if len(p) >= 5]
    out = {}
    for path, entry in entries:
        code = code_by_name.get(entry["item_name"])
        if code is None:
            raise ValueError(f"{path.name}: item {entry['item_name']!r} is not in revision {taxonomy.revision}")
        test = {k: [p for p in v if not _contains_any(_squash(p), train_phrases, long_train)]
                for k, v in entry["test"].items()}
        if not all(test.values()):
            raise ValueError(f"{path.name}: held-out pool of {entry['item_name']!r} is empty after removing training phrases")
        out[code] = ItemLexicon(code, entry["nst"], {"train": entry["train"], "test": test})
    missing = [c for c in taxonomy.item_codes if c not in out]
    if missing:
        raise ValueError(f"lexicon has no entry for {len(missing)} item(s), e.g. {missing[:3]}")
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _contains_any(squashed: str, exact: set[str], parts: list[str]) -> bool:
    return squashed in exact or any(t in squashed for t in parts)


def make_brn(rng: np.random.Generator) -> str:
    """A syntactically valid 사업자등록번호 (check digit included), formatted 000-00-00000."""
    d = [int(x) for x in rng.integers(0, 10, 9)]
    d[0] = int(rng.integers(1, 9))
    d[3], d[4] = 8, int(rng.choice([1, 6, 7]))  # corporate registrations
    total = sum(w * x for w, x in zip(BRN_WEIGHTS, d)) + (d[8] * 5) // 10
    s = "".join(map(str, d)) + str((10 - total % 10) % 10)
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


class SyntheticHistory:
    """Generates records for one taxonomy revision; every random draw comes from one seeded generator."""

    def __init__(self, seed: int, taxonomy: Taxonomy, ksic: KsicTables | None = None):
        self.rng = np.random.default_rng(seed)
        self.tax = taxonomy
        self.ksic = ksic or ksic_tables()
        self.lex = load_lexicon(taxonomy)
        self.ksic11_codes = [c for c, k in self.ksic.codes[11].items() if k.level == 5]
        self._11_to_10: dict[str, list[str]] = {}
        for c10, targets in self.ksic._10_to_11.items():
            for c11 in targets:
                self._11_to_10.setdefault(c11, []).append(c10)

    # ---- frequencies -------------------------------------------------------------------------------------
    def item_weights(self) -> np.ndarray:
        ranks = self.rng.permutation(len(self.tax.items)) + 1
        w = 1.0 / ranks ** ZIPF_EXPONENT
        return w / w.sum()

    def item_counts(self, n: int, weights: np.ndarray, minimum: int) -> np.ndarray:
        base = np.full(len(weights), minimum)
        return base + self.rng.multinomial(n - base.sum(), weights)

    # ---- text pieces -------------------------------------------------------------------------------------
    def pick(self, seq: list[str], k: int = 1) -> list[str]:
        idx = self.rng.choice(len(seq), size=min(k, len(seq)), replace=False)
        return [seq[i] for i in idx]

    def vary(self, text: str) -> str:
        """Spacing variants, Korean↔English variants and occasional typos, as in real submissions."""
        r = self.rng.random
        for ko, en in T.VARIANTS.items():
            if ko in text and r() < 0.25:
                text = text.replace(ko, en, 1)
        if r() < 0.15:  # a dropped space
            spaces = [m.start() for m in re.finditer(" ", text)]
            if spaces:
                i = spaces[int(self.rng.integers(len(spaces)))]
                text = text[:i] + text[i + 1:]
        if r() < 0.04 and len(text) > 8:  # a doubled or dropped character
            i = int(self.rng.integers(1, len(text) - 1))
            text = text[:i] + text[i] + text[i:] if r() < 0.5 else text[:i] + text[i + 1:]
        return text

    def product_line(self, pool: dict[str, list[str]], split: str, extra: list[str]) -> str:
        products = self.pick(pool["products"], int(self.rng.choice([1, 1, 2, 2, 3]))) + extra
        if self.rng.random() < 0.3:
            code = f"{chr(65 + int(self.rng.integers(26)))}{chr(65 + int(self.rng.integers(26)))}-{int(self.rng.integers(100, 9999))}"
            products[0] += " " + fill(str(self.rng.choice(T.MODEL_SUFFIX[split])), code=code)
        return self.vary(", ".join(products))

    def use_text(self, pool: dict[str, list[str]], split: str, product: str, sibling: dict | None) -> str:
        n = int(self.rng.choice([1, 2, 2, 3, 3, 4]))
        sentences = []
        for tpl in self.pick(T.USE_SENTENCES[split], n):
            use_pool = sibling if sibling is not None and self.rng.random() < 0.35 else pool
            sentences.append(fill(tpl, product=product, use=self.pick(use_pool["uses"])[0],
                                  feature=self.pick(pool["features"])[0],
                                  customer=self.pick(T.CUSTOMERS[split])[0]))
        return self.vary(" ".join(sentences))

    def ksic_for(self, item_code: str) -> tuple[str, str]:
        links = self.tax.ksic_by_item.get(item_code, [])
        if links and self.rng.random() > KSIC_NOISE:
            weights = np.array([1.0 / link.rank for link in links])
            code = links[int(self.rng.choice(len(links), p=weights / weights.sum()))].ksic11_code
        else:
            code = str(self.rng.choice(self.ksic11_codes))
        if self.rng.random() < KSIC10_SHARE and self._11_to_10.get(code):
            c10 = self._11_to_10[code][0]
            return c10, self.ksic.codes[10][c10].name
        return code, self.ksic.codes[11][code].name

    def nst_for(self, lex: ItemLexicon) -> str:
        return f"{self.rng.choice(lex.nst)}{int(self.rng.integers(1, 13)):02d}{int(self.rng.integers(1, 11)):02d}"

    def company(self, theme_code: str) -> dict[str, str]:
        stem = str(self.rng.choice(COMPANY_STEMS)) + str(self.rng.choice(COMPANY_TAILS))
        name = f"(주){stem}" if self.rng.random() < 0.7 else f"주식회사 {stem}"
        ceo = f"{self.rng.choice(list(SURNAMES))}*{self.rng.choice(list(NAME_SYLLABLES))}"  # pseudonymised
        day = date(2024, 1, 1) + timedelta(days=int(self.rng.integers(0, 1030)))
        return {"company_name": name, "business_reg_no": make_brn(self.rng), "ceo_name": ceo,
                "base_date": day.isoformat()}

    # ---- records -------------------------------------------------------------------------------------------
    def record(self, item_code: str, split: str) -> tuple[CompanyRecord, dict]:
        lex = self.lex[item_code]
        pool = lex.pools[split]
        sibling_code = None
        siblings = self.tax.siblings(item_code)
        if siblings and self.rng.random() < SIBLING_MIX:
            sibling_code = siblings[int(self.rng.integers(len(siblings)))].code
        sib_pool = self.lex[sibling_code].pools[split] if sibling_code else None
        extra = self.pick(sib_pool["products"]) if sib_pool and self.rng.random() < 0.5 else []
        main_product = self.product_line(pool, split, extra)
        product_use = self.use_text(pool, split, main_product.split(",")[0], sib_pool)
        tech = fill(str(self.rng.choice(T.TECH_PROJECTS[split])), tech=self.pick(pool["tech"])[0])
        ksic_code, ksic_name = self.ksic_for(item_code)
        label = item_code
        noisy = self.rng.random() < LABEL_NOISE
        if noisy:
            others = [s.code for s in siblings] if siblings and self.rng.random() < 0.67 else self.tax.item_codes
            label = str(self.rng.choice([c for c in others if c != item_code]))
        d = self.tax.describe(label)
        rec = CompanyRecord(**self.company(d["theme_code"]), ksic_code=ksic_code, industry_name=ksic_name,
                            main_product=main_product, product_use=product_use, tech_project=self.vary(tech),
                            nst_code=self.nst_for(lex), theme_code=d["theme_code"], theme_name=d["theme_name"],
                            field_code=d["field_code"], field_name=d["field_name"], item_code=d["item_code"],
                            item_name=d["item_name"], revision=self.tax.revision)
        meta = {"true_item_code": item_code, "label_noise": noisy, "sibling_item_code": sibling_code or ""}
        return rec, meta

    def split(self, counts: np.ndarray, split: str) -> tuple[list[CompanyRecord], list[dict]]:
        order = np.repeat(np.arange(len(counts)), counts)
        self.rng.shuffle(order)
        pairs = [self.record(self.tax.items[i].code, split) for i in order]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def excluded(self, n: int) -> tuple[list[CompanyRecord], list[str]]:
        """Companies the application principles exclude: wholesale/retail, merchandise only, generic parts."""
        return excluded_records(self, n)


def write_synthetic(out: Path, *, seed: int, n_train: int, n_test: int, n_excluded: int, xlsx: bool = True,
                    revision: str = "6") -> list[Path]:
    """Write train / test / excluded CSV (+ XLSX) and a per-row sidecar of generator facts."""
    gen = SyntheticHistory(seed, load_taxonomy(revision))
    weights = gen.item_weights()
    train, train_meta = gen.split(gen.item_counts(n_train, weights, MIN_TRAIN_PER_ITEM), "train")
    test, test_meta = gen.split(gen.item_counts(n_test, weights, 0), "test")
    excluded, reasons = gen.excluded(n_excluded)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, recs, meta in (("train", train, train_meta), ("test", test, test_meta),
                             ("excluded", excluded, [{"exclusion_reason": r} for r in reasons])):
        df = records_to_frame(recs)
        paths = [out / f"synthetic_{name}.csv"] + ([out / f"synthetic_{name}.xlsx"] if xlsx else [])
        df.to_csv(paths[0], index=False, encoding="utf-8-sig")
        if xlsx:
            df.to_excel(paths[1], index=False, sheet_name="SYNTHETIC 합성데이터")
        side = out / f"synthetic_{name}_generator_facts.csv"
        pd.DataFrame(meta).assign(기업명=df["기업명"]).to_csv(side, index=False, encoding="utf-8-sig")
        written += paths + [side]
    notice = out / "README_SYNTHETIC.txt"
    notice.write_text("SYNTHETIC DATA — 합성 데이터 (실제 기업·심사 결과 아님). Generated by `workbench data synth "
                      f"--seed {seed}`; see docs/data_card.md.\n", encoding="utf-8")
    return written + [notice]
