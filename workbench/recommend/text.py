"""How a record's fields become the one text that is encoded, and where each field sits in it.

Design (measured; docs/recommender.md): one text per record, fields in the order 주요제품, 제품용도,
기술사업명, 업종명, joined by '. ', no field labels. One encoder call per record keeps latency at one
encode, and the character offsets let every token be traced back to its field for keyword highlighting.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.schema.record import CompanyRecord

TEXT_ORDER = ("main_product", "product_use", "tech_project", "industry_name")
SEPARATOR = ". "


@dataclass(frozen=True)
class ComposedText:
    text: str
    field_spans: dict[str, tuple[int, int]]  # field → [start, end) in text

    def locate(self, start: int, end: int) -> tuple[str, int, int] | None:
        """The field holding text[start:end] and the span relative to that field's own text."""
        for name, (fs, fe) in self.field_spans.items():
            if fs <= start and end <= fe:
                return name, start - fs, end - fs
        return None


def compose(record: CompanyRecord, order: tuple[str, ...] = TEXT_ORDER) -> ComposedText:
    parts, spans, pos = [], {}, 0
    for name in order:
        value = " ".join(getattr(record, name).split())
        if not value:
            continue
        if parts:
            parts.append(SEPARATOR)
            pos += len(SEPARATOR)
        spans[name] = (pos, pos + len(value))
        parts.append(value)
        pos += len(value)
    return ComposedText("".join(parts), spans)


def has_text(record: CompanyRecord) -> bool:
    return any(getattr(record, name).strip() for name in TEXT_ORDER)
