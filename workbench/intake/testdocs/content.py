"""What a generated 사업계획서 says: sections in varying order and wording, built from one company record.

The record's 주요제품, 제품의 용도 및 특성 and 기술사업명 appear in the product and technology sections, worded
in one of several ways, between an overview, market, financial and organisation sections, a product-list table
and running headers and footers. 업종코드/업종명 and 기술분류 are stated in some documents only, as in real ones.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.schema.record import CompanyRecord
from workbench.synth.templates import fill

STATE_KSIC, STATE_NST = 0.7, 0.6  # share of documents that state the industry code / the technology class


@dataclass(frozen=True)
class Block:
    kind: str  # heading | para | table | page_break
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class DocSpec:
    """A document to write: running header and footer text (the writer adds page numbers) and its blocks."""

    title: str
    header: str
    footer: str
    blocks: list[Block] = field(default_factory=list)
    columns: int = 1  # the PDF sets paragraphs between headings and tables in this many columns (other formats flow)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


class SpecBuilder:
    """Builds a :class:`DocSpec` for a record; the same seed gives the same document."""

    def __init__(self, record: CompanyRecord, seed: int, pages: int = 0):
        self.r, self.rng, self.pages, self.seed = record, random.Random(seed), pages, seed
        self.numbering = self.rng.choice(["{n}. ", "{roman}. ", "□ ", "■ ", ""])
        self.n = 0

    def heading(self, *choices: str) -> Block:
        self.n += 1
        roman = "Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ Ⅵ Ⅶ Ⅷ Ⅸ Ⅹ Ⅺ Ⅻ".split()[(self.n - 1) % 12]
        return Block("heading", self.numbering.format(n=self.n, roman=roman) + self.rng.choice(choices))

    def overview(self) -> list[Block]:
        r, rng = self.r, self.rng
        rows = [("구분", "내용"), ("기업명", r.company_name), ("대표자", r.ceo_name),
                ("설립일", f"{rng.randint(1995, 2021)}년 {rng.randint(1, 12)}월"),
                ("소재지", rng.choice(["경기도 성남시", "대전광역시 유성구", "서울특별시 금천구", "경상남도 창원시", "충청북도 오창읍"]))]
        if rng.random() < STATE_KSIC:
            rows += rng.choice([[("업종", f"{r.industry_name} ({r.ksic_code})")],
                                [("업종코드", r.ksic_code), ("업종명", r.industry_name)],
                                [("주업종", f"KSIC {r.ksic_code} {r.industry_name}")]])
        rows.append(("상시근로자", f"{rng.randint(8, 240)}명"))
        intro = fill(rng.choice(["{c|는} 기술 중심의 중소기업으로, 연구개발 전담부서를 운영하고 있습니다.",
                                 "{c|은} 창업 이후 꾸준히 기술 혁신에 투자해 온 기업입니다.",
                                 "당사는 {c}(으)로 설립되어 국내외 고객에게 제품을 공급하고 있음."]), c=r.company_name)
        return [self.heading("회사 개요", "기업 개요", "일반 현황", "회사 소개"), Block("para", intro),
                Block("table", rows=tuple(rows))]

    def market(self) -> list[Block]:
        rng = self.rng
        growth = rng.randint(4, 28)
        return [self.heading("시장 현황", "시장 분석 및 전망", "목표 시장", "시장 동향"),
                Block("para", f"관련 국내 시장은 최근 5년간 연평균 {growth}% 성장하였으며, 해외 시장의 규모는 "
                              f"{rng.randint(2, 90)}조 원으로 추정됩니다."),
                Block("para", rng.choice(["주요 경쟁사는 해외 대기업이며, 국산화 수요가 꾸준히 늘고 있습니다.",
                                          "정부의 지원 정책과 규제 강화로 수요가 확대될 것으로 전망됨.",
                                          "당사는 틈새시장을 중심으로 점유율을 높여 나갈 계획이다."]))]

    def finance(self) -> list[Block]:
        rng = self.rng
        sales = [rng.randint(10, 400) for _ in range(3)]
        rows = [("구분(억원)", "2022년", "2023년", "2024년"), ("매출액", *map(str, sales)),
                ("영업이익", *(str(round(s * rng.uniform(-0.1, 0.2), 1)) for s in sales)),
                ("연구개발비", *(str(round(s * rng.uniform(0.03, 0.15), 1)) for s in sales))]
        return [self.heading("재무 현황", "주요 재무 실적", "재무 상태"), Block("table", rows=tuple(rows)),
                Block("para", f"매출액은 최근 3년간 연평균 {rng.randint(3, 40)}% 증가하였음.")]

    def organisation(self) -> list[Block]:
        rng = self.rng
        staff = rng.randint(10, 200)
        return [self.heading("조직 및 인력", "조직 현황", "인력 구성"),
                Block("para", f"임직원 {staff}명 중 연구인력은 {max(2, staff // rng.randint(3, 6))}명이며, "
                              f"기업부설연구소를 {rng.randint(2008, 2022)}년에 설립하였습니다."),
                Block("table", rows=(("부서", "인원"), ("경영지원", str(rng.randint(2, 10))),
                                     ("연구소", str(rng.randint(3, 30))), ("생산·품질", str(rng.randint(3, 60)))))]

    # the product section's wording; a subclass rewords it by overriding these
    LEADS = ("당사의 주력 제품은 {p}입니다.", "{c|는} {p|을} 개발·생산하고 있습니다.", "주요 제품: {p}",
             "당사가 공급하는 제품은 {p}이다.")
    PRODUCT_HEADINGS = ("주요 제품", "주력 제품 및 서비스", "제품 소개", "사업 아이템", "제품 현황")
    TABLE_HEADS = (("제품명", "구분", "단계"), ("주요 제품", "구분", "현황"))
    TABLE_MIDDLE: tuple[str, ...] = ("주력",)  # cells between a product and its status
    STATUSES = ("양산", "판매 중", "시제품")
    USE_HEADINGS = ("제품 용도 및 특성", "용도 및 특장점", "적용 분야와 차별성", "제품의 기능·사양")

    def product(self) -> list[Block]:
        r, rng = self.r, self.rng
        products = [p.strip() for p in r.main_product.split(",") if p.strip()]
        lead = fill(rng.choice(self.LEADS), p=r.main_product, c=r.company_name)
        uses = sentences(r.product_use)
        blocks = [self.heading(*self.PRODUCT_HEADINGS), Block("para", lead)]
        table = Block("table", rows=(rng.choice(self.TABLE_HEADS),
                                     *((p, *self.TABLE_MIDDLE, rng.choice(self.STATUSES)) for p in products)))
        if rng.random() < 0.5:
            blocks.append(table)
        blocks.append(Block("heading", rng.choice(self.USE_HEADINGS)))
        blocks += [Block("para", s) for s in uses] if rng.random() < 0.5 else [Block("para", " ".join(uses))]
        if table not in blocks:
            blocks.append(table)
        return blocks

    def technology(self) -> list[Block]:
        r, rng = self.r, self.rng
        name = rng.choice(["기술사업명: {t}", "본 사업의 과제명은 「{t}」입니다.", "과제명 : {t}",
                           "당사는 '{t}'을(를) 추진하고 있습니다."]).format(t=r.tech_project)
        blocks = [self.heading("기술 개요", "핵심 기술", "보유 기술 및 사업화 계획", "기술 현황"), Block("para", name),
                  Block("para", f"관련 특허 {rng.randint(1, 12)}건을 출원·등록하였으며, 시제품 성능 시험을 완료하였습니다.")]
        if rng.random() < STATE_NST:
            blocks.append(Block("para", rng.choice(["기술분류: 국가과학기술표준분류 {n}",
                                                    "(국가과학기술표준분류 {n})", "기술분류 코드 {n}"]).format(n=r.nst_code)))
        return blocks

    def appendix(self, k: int) -> list[Block]:
        rng = self.rng
        filler = ["분기별 목표와 점검 항목을 정하여 진행 상황을 관리합니다.",
                  "설비 투자와 인력 채용은 매출 계획에 맞추어 단계적으로 진행함.",
                  "품질경영시스템 인증을 유지하고 있으며, 고객 감사를 정기적으로 받고 있다.",
                  "원자재 가격 변동에 대비하여 복수 공급처를 확보하였습니다."]
        title = rng.choice(["세부 추진 일정", "투자 계획", "인증 및 수상 실적", "위험 요인과 대응"])
        paras = [Block("para", " ".join(rng.choice(filler) for _ in range(rng.randint(3, 6))))
                 for _ in range(rng.randint(4, 8))]
        return [Block("heading", f"별첨 {k}. {title}"), *paras, Block("page_break")]

    KINDS = ("사업계획서", "기술사업계획서", "제품소개서", "기술설명서")
    COLUMNS = (1,)  # columns of the PDF's text, by seed in turn (not drawn: the same seed gives the same words)
    HEADER = "{c} | {kind}"
    FOOTERS = ("대외비", "Confidential", "{c}")

    def sections(self) -> list[Callable[[], list[Block]]]:
        """The sections after the overview, in a shuffled order."""
        return [self.market, self.finance, self.organisation, self.product, self.technology]

    def build(self) -> DocSpec:
        r, rng = self.r, self.rng
        kind = rng.choice(self.KINDS)
        middle = self.sections()
        rng.shuffle(middle)
        blocks = [Block("heading", f"{r.company_name} {kind}")]
        for section in [self.overview, *middle]:
            blocks += section()
            if rng.random() < 0.5 or self.pages:
                blocks.append(Block("page_break"))
        for k in range(1, max(0, self.pages - 1 - len(middle)) + 1):
            blocks += self.appendix(k)
        return DocSpec(title=f"{r.company_name} {kind}", header=self.HEADER.format(c=r.company_name, kind=kind),
                       footer=rng.choice(self.FOOTERS).format(c=r.company_name), blocks=blocks,
                       columns=self.COLUMNS[self.seed % len(self.COLUMNS)])
