"""What a recommendation returns: top-3 items with calibrated confidence, rationale, keywords, precedents."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Keyword:
    """A word of the company's own text and its signed contribution to one item's score."""

    text: str
    weight: float
    field: str  # record field the word came from (main_product, product_use, …) or "ksic_code"/"nst_code"
    spans: list[tuple[int, int]] = field(default_factory=list)  # character spans within that field's text


@dataclass
class Precedent:
    """A past judgment of the same item that is similar to this company."""

    company_name: str
    main_product: str
    item_code: str
    similarity: float


@dataclass
class ItemRecommendation:
    rank: int
    item_code: str
    item_name: str
    field_code: str
    field_name: str
    theme_code: str
    theme_name: str
    confidence: float  # calibrated probability
    rationale: str  # one or two Korean sentences
    keywords: list[Keyword] = field(default_factory=list)
    precedents: list[Precedent] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)  # per part: head, knn, definition
    code_status: str = "provisional"  # official | provisional (assigned by the workbench: shown as 임시 코드)

    @property
    def provisional(self) -> bool:
        return self.code_status != "official"


@dataclass
class Recommendation:
    items: list[ItemRecommendation]
    review_required: bool  # 검토 필요
    review_reasons: list[str]
    warnings: list[str]  # application-principle warnings (적용원칙), shown to the examiner, never a silent drop
    taxonomy_revision: str
    model_id: str
    encoder_id: str
    input_warnings: list[str] = field(default_factory=list)  # e.g. fields missing from a batch row
    proposed_none: str = ""  # why the application principles propose 해당 없음 ('' when they do not)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict) -> "Recommendation":
        items = []
        for it in data["items"]:
            it = dict(it)
            it["keywords"] = [Keyword(**{**k, "spans": [tuple(s) for s in k.get("spans", [])]})
                              for k in it.get("keywords", [])]
            it["precedents"] = [Precedent(**p) for p in it.get("precedents", [])]
            items.append(ItemRecommendation(**it))
        return cls(**{**data, "items": items})
