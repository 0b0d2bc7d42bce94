"""Data model of one revision of the 혁신성장 공동기준: themes → fields → items."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

BRACKETS = str.maketrans({**dict.fromkeys("[{〔【〈《「『〖", "("), **dict.fromkeys("]}〕】〉》」』〗", ")")})
MIDDLE_DOTS = re.compile(r"[·ㆍᆞ･・•‧∙⋅․]")

# how a code's status reads on screens and in exports
CODE_STATUS_KO = {"official": "공식 코드", "provisional": "임시 코드"}


def code_status_ko(status: str | None) -> str:
    """'공식 코드' or '임시 코드' (an unknown or missing status reads as provisional: never claim official)."""
    return CODE_STATUS_KO["official" if status == "official" else "provisional"]


def normalize_name(name: str) -> str:
    """An item name as compared across tables: NFKC, one bracket and one middle-dot shape, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", MIDDLE_DOTS.sub("·", str(name))).translate(BRACKETS)
    return re.sub(r"\s+", "", MIDDLE_DOTS.sub("·", text)).casefold()


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    code_status: str  # "official" | "provisional"


@dataclass(frozen=True)
class Field:
    code: str
    name: str
    theme_code: str
    name_basis: str
    code_status: str


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    field_code: str
    theme_code: str
    description: str
    notes: str
    code_status: str
    revision: str
    predecessor_codes: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        """True when the code was assigned by the workbench, not taken from an official code table."""
        return self.code_status != "official"

    @property
    def definition_text(self) -> str:
        """The text that represents the item's definition (name, description, glossary notes)."""
        parts = [self.name, self.description.replace(" | ", " "), self.notes]
        return " ".join(p for p in parts if p).strip()

    @property
    def definition_segments(self) -> list[str]:
        """The definition cut at its ' | ' bullets, each prefixed by the item name: short passages an encoder
        reads whole (most full definitions exceed 128 tokens), and extra labelled sentences for fine-tuning."""
        bullets = [b.strip().lstrip("-").strip() for b in self.description.split(" | ")] + [self.notes.strip()]
        return [self.name] + [f"{self.name}: {b}" for b in bullets if len(b) >= 5]


@dataclass(frozen=True)
class KsicLink:
    item_code: str
    ksic11_code: str
    rank: int
    score: float
    method: str


@dataclass(frozen=True)
class CodeChange:
    """One item's code at an official code import (``code_history.csv``): ``old_code`` became ``new_code``."""

    version: int  # the import that made the change (1, 2, …); codes before the first import are version 0
    old_code: str
    new_code: str
    item_name: str


@dataclass
class Taxonomy:
    """One loaded, validated revision. Look-ups by code; iteration in the revision's order."""

    revision: str
    label: str
    hypothetical: bool
    themes: list[Theme]
    fields: list[Field]
    items: list[Item]
    ksic_links: list[KsicLink] = field(default_factory=list)
    source: str = ""
    code_history: list[CodeChange] = field(default_factory=list)

    @cached_property
    def codes_version(self) -> int:
        """How many official code imports this revision's codes went through (0: the codes as first assigned)."""
        return max((c.version for c in self.code_history), default=0)

    def current_code(self, code: str, codes_version: int = 0) -> str:
        """The code today of an item that had ``code`` at ``codes_version`` (every later import applied in order);
        a code no import changed is returned as is."""
        for version in range(codes_version + 1, self.codes_version + 1):
            code = next((c.new_code for c in self.code_history if c.version == version and c.old_code == code), code)
        return code

    def codes_by_version(self, code: str) -> list[tuple[int, str]]:
        """Every ``(codes_version, code)`` that :meth:`current_code` turns into ``code`` today: the codes under which
        judgments of the item that now has ``code`` were saved, before and after each official code import."""
        candidates = {c for change in self.code_history for c in (change.old_code, change.new_code)} | {code}
        return [(version, c) for version in range(self.codes_version + 1) for c in sorted(candidates)
                if self.current_code(c, version) == code]

    @cached_property
    def theme_by_code(self) -> dict[str, Theme]:
        return {t.code: t for t in self.themes}

    @cached_property
    def field_by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.fields}

    @cached_property
    def item_by_code(self) -> dict[str, Item]:
        return {i.code: i for i in self.items}

    @cached_property
    def item_by_name(self) -> dict[str, Item]:
        """Items by :func:`normalize_name` of their names."""
        return {normalize_name(i.name): i for i in self.items}

    def item_named(self, name: str) -> Item | None:
        """The item whose name is ``name`` up to spacing, bracket shapes, middle dots and case; None if none is."""
        return self.item_by_name.get(normalize_name(name))

    @cached_property
    def item_codes(self) -> list[str]:
        return [i.code for i in self.items]

    @cached_property
    def ksic_by_item(self) -> dict[str, list[KsicLink]]:
        out: dict[str, list[KsicLink]] = {}
        for link in sorted(self.ksic_links, key=lambda k: (k.item_code, k.rank)):
            out.setdefault(link.item_code, []).append(link)
        return out

    def item(self, code: str) -> Item:
        try:
            return self.item_by_code[code]
        except KeyError:
            raise KeyError(f"item code {code!r} is not in revision {self.revision}") from None

    def siblings(self, code: str) -> list[Item]:
        """Other items of the same field."""
        fc = self.item(code).field_code
        return [i for i in self.items if i.field_code == fc and i.code != code]

    def describe(self, code: str) -> dict[str, str]:
        """Code, its status (official | provisional), names of item, field and theme — what a screen or report
        shows."""
        it = self.item(code)
        return {
            "item_code": it.code,
            "code_status": it.code_status,
            "item_name": it.name,
            "field_code": it.field_code,
            "field_name": self.field_by_code[it.field_code].name,
            "theme_code": it.theme_code,
            "theme_name": self.theme_by_code[it.theme_code].name,
        }

    def summary(self) -> dict[str, int]:
        return {"themes": len(self.themes), "fields": len(self.fields), "items": len(self.items)}
