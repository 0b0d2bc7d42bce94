"""Two or three Korean sentences saying why an item was recommended."""
from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.schema.record import SPEC_BY_NAME

if TYPE_CHECKING:
    from workbench.recommend.types import Keyword

RANK_WORDS = {1: "가장", 2: "두 번째로", 3: "세 번째로"}
CODE_FIELDS = ("ksic_code", "nst_code")  # keywords from the structured codes, not from the text


def rationale_sentence(item_name: str, keywords: list[Keyword], n_votes: int, k: int, definition_sim: float,
                       rank: int) -> str:
    """E.g. "주요제품의 '양극', '활물질'이(가) 품목 '리튬이온배터리' 판단에 가장 크게 기여했습니다. 유사 판정 사례
    20건 중 14건이 이 품목이며, … 업종코드 28202도 이 품목 쪽으로 기여했습니다." (the last sentence only when a
    code keyword has positive weight)."""
    text_kw = [kw for kw in keywords if kw.weight > 0 and kw.field in SPEC_BY_NAME and kw.spans]
    if text_kw:
        field = SPEC_BY_NAME[text_kw[0].field].label_ko
        words = ", ".join(f"'{kw.text}'" for kw in text_kw[:3] if kw.field == text_kw[0].field)
        first = f"{field}의 {words}이(가) 품목 '{item_name}' 판단에 {RANK_WORDS.get(rank, '')} 크게 기여했습니다."
    else:
        first = f"텍스트에서 품목 '{item_name}'을(를) 뒷받침하는 뚜렷한 키워드는 없고, 업종·기술분류와 유사 사례가 근거입니다."
    second = f"유사 판정 사례 {k}건 중 {n_votes}건이 이 품목이며, 품목 정의와의 유사도는 {definition_sim:.2f}입니다."
    codes = [kw.text for kw in keywords if kw.weight > 0 and kw.field in CODE_FIELDS][:2]
    third = f" {', '.join(codes)}도 이 품목 쪽으로 기여했습니다." if codes else ""
    return f"{first} {second}{third}"
