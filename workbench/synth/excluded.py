"""Companies that the criteria's application principles (적용원칙) exclude, each with its reason.

Three kinds: wholesale/retail only (KSIC 45–47), sale of merchandise made by others (상품 판매), and
general-purpose parts or materials supplied to innovative firms (범용 부품 공급).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.schema.record import CompanyRecord
from workbench.synth.templates import fill

if TYPE_CHECKING:
    from workbench.synth.generator import SyntheticHistory

REASONS = {
    "wholesale_retail": "도소매업 영위 기업 (KSIC 45~47)",
    "merchandise_only": "타사 제품 단순 구매·판매 (상품 매출)",
    "general_parts": "혁신기업에 범용 부품·소재 단순 공급",
}
TEMPLATES = {
    "wholesale_retail": ("{product} 도매 유통", "국내외 제조사로부터 {product|을} 구매하여 {customer}에 도매로 판매함.",
                         "{product} 유통망 확대"),
    "merchandise_only": ("{product} (수입 상품)", "해외 제조사의 {product|을} 수입하여 상품으로 판매하며 자체 제조·개발은 없음.",
                         "{product} 수입 판매 사업"),
    "general_parts": ("범용 볼트·너트, 일반 배선 케이블", "{customer}에 {product} 생산용 범용 부품을 단순 납품함.",
                      "범용 체결부품 납품"),
}
GENERAL_PARTS_KSIC = ["25941", "28302", "22241", "25999"]


def excluded_records(gen: "SyntheticHistory", n: int) -> tuple[list[CompanyRecord], list[str]]:
    kinds = list(TEMPLATES)
    wholesale = [c for c in gen.ksic11_codes if c[:2] in ("45", "46", "47")]
    records, reasons = [], []
    for k in range(n):
        kind = kinds[k % len(kinds)]
        item = gen.tax.items[int(gen.rng.integers(len(gen.tax.items)))]
        product = gen.pick(gen.lex[item.code].pools["train"]["products"])[0]
        customer = gen.pick(["중소 제조사", "대리점", "온라인 몰", "협력업체"])[0]
        name_tpl, use_tpl, tech_tpl = TEMPLATES[kind]
        if kind == "general_parts":
            ksic = str(gen.rng.choice(GENERAL_PARTS_KSIC))
        else:
            ksic = str(gen.rng.choice(wholesale))
        rec = CompanyRecord(**gen.company(item.theme_code), ksic_code=ksic, industry_name=gen.ksic.name(ksic),
                            main_product=fill(name_tpl, product=product),
                            product_use=fill(use_tpl, product=product, customer=customer),
                            tech_project=fill(tech_tpl, product=product), nst_code=gen.nst_for(gen.lex[item.code]))
        records.append(rec)
        reasons.append(f"{kind}: {REASONS[kind]}")
    return records, reasons
