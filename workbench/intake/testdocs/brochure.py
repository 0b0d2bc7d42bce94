"""Documents in the style of a company's IR deck or 회사소개서: a second held-out wording for intake.

The unseen wording (:mod:`unseen`) rewords headings and the product sentences but keeps the house documents'
business-plan sections (market, finance, organisation), so a choice that learns to skip those sentences would look
better on it than on real documents. Here the surrounding sections are others a company brochure has — history,
vision, customers, investment, certificates and awards, ESG, overseas plans — with their own sentences, and the
product part is worded as a brochure words it (a tagline, bullet points). Written before any filter of such
sentences and never to be used to tune one: it measures how well a choice carries over.
"""
from __future__ import annotations

from collections.abc import Callable

from workbench.intake.testdocs.content import STATE_KSIC, STATE_NST, Block, SpecBuilder, sentences
from workbench.schema.record import CompanyRecord
from workbench.synth.templates import fill


class BrochureWordingBuilder(SpecBuilder):
    """A company-introduction deck built from a record: different sections, headings, labels and sentences."""

    LEADS = ("{p} — {c}의 대표 솔루션", "{c|는} {p}(으)로 고객의 현장을 바꾸고 있습니다.", "PRODUCT | {p}",
             "시장이 먼저 찾는 제품, {p}")
    PRODUCT_HEADINGS = ("Our Solution", "제품 라인업", "PRODUCT", "무엇을 파는가")
    TABLE_HEADS = (("Line-up", "Status"), ("모델명", "비고"))
    TABLE_MIDDLE = ()
    STATUSES = ("판매", "납품", "출시 예정")
    USE_HEADINGS = ("Key Features", "이런 곳에 씁니다", "제품 포인트", "왜 우리 제품인가")
    BULLETS = ("• ", "- ", "✔ ", "")
    KINDS = ("회사소개서", "IR 자료", "제품소개서", "Company Profile")
    COLUMNS = (1, 2)  # every other brochure's PDF in two columns, as many are laid out
    HEADER = "{c} {kind}"
    FOOTERS = ("www.company.co.kr", "Copyright © All rights reserved", "{c}")

    def __init__(self, record: CompanyRecord, seed: int, pages: int = 0):
        super().__init__(record, seed, pages)
        self.numbering = self.rng.choice(["{n:02d} ", "PART {n}. ", "Chapter {n} ", "", "# "])

    def overview(self) -> list[Block]:
        r, rng = self.r, self.rng
        rows = [("회사명", r.company_name), ("CEO", r.ceo_name), ("본사", rng.choice(
            ["판교 테크노밸리", "대덕연구개발특구", "송도 국제도시", "부산 센텀시티", "광주 첨단산업단지"]))]
        if rng.random() < STATE_KSIC:
            rows.append(rng.choice([("업종", f"{r.industry_name} ({r.ksic_code})"),
                                    ("표준산업분류", f"{r.ksic_code} {r.industry_name}")]))
        rows.append(("임직원", f"{rng.randint(8, 240)}명"))
        return [self.heading("About Us", "회사 소개", "우리는 누구인가"), Block("table", rows=tuple(rows)),
                Block("para", fill(rng.choice([
                    "{c|는} '기술로 산업의 내일을 바꾼다'는 비전 아래 성장해 왔습니다.",
                    "고객 중심, 도전, 신뢰를 핵심 가치로 삼아 {c|이} 걸어온 길을 소개합니다.",
                    "{c}의 목표는 2030년까지 세계 시장에서 인정받는 강소기업이 되는 것이다."]), c=r.company_name))]

    def history(self) -> list[Block]:
        rng = self.rng
        year = rng.randint(2008, 2018)
        events = ["법인 설립", "기업부설연구소 인정", "벤처기업 확인", "이노비즈 인증", "첫 해외 수출",
                  "시리즈 A 투자 유치", "제2공장 준공", "우수 조달제품 지정"]
        rows = [("연도", "주요 연혁")] + [(f"{year + k}.{rng.randint(1, 12):02d}", e)
                                         for k, e in enumerate(rng.sample(events, 5))]
        return [self.heading("History", "연혁", "걸어온 길"), Block("table", rows=tuple(rows)),
                Block("para", rng.choice(["창업 이래 한 번도 적자를 내지 않고 꾸준히 외형을 키워 왔습니다.",
                                          "매년 매출의 일정 부분을 다시 연구개발에 투자하는 원칙을 지켜 왔다."]))]

    def customers(self) -> list[Block]:
        rng = self.rng
        return [self.heading("Customers & References", "고객사 및 레퍼런스", "함께하는 고객"),
                Block("para", f"현재 국내외 {rng.randint(15, 300)}개 고객사와 거래하고 있으며, 재구매율은 "
                              f"{rng.randint(60, 95)}%에 이릅니다."),
                Block("para", rng.choice(["대기업 협력사 등록을 마쳤고, 공공 조달 시장에도 진입하였습니다.",
                                          "주요 고객으로는 완성품 제조사, 공공기관, 대학 연구실 등이 있습니다.",
                                          "고객 만족도 조사에서 3년 연속 최고 등급을 받았음."]))]

    def investment(self) -> list[Block]:
        rng = self.rng
        return [self.heading("Funding", "투자 유치 현황", "자금 계획"),
                Block("para", f"누적 투자 유치액은 {rng.randint(10, 400)}억 원이며, 주요 투자자는 벤처캐피털과 "
                              f"정책금융기관입니다."),
                Block("para", rng.choice(["이번에 조달하는 자금은 생산 설비 증설과 해외 인증 취득에 쓸 예정입니다.",
                                          "내년 하반기 코스닥 기술특례상장을 준비하고 있다.",
                                          "보증과 정책자금을 활용해 운전자금 부담을 줄일 계획입니다."]))]

    def recognition(self) -> list[Block]:
        rng = self.rng
        return [self.heading("Awards & Certificates", "인증 및 수상", "외부 평가"),
                Block("para", f"ISO 9001과 ISO 14001 인증을 보유하고 있으며, {rng.randint(2015, 2024)}년 "
                              f"{rng.choice(['중소벤처기업부 장관상', '대한민국 기술대상', '올해의 혁신기업상'])}을 받았습니다."),
                Block("para", rng.choice(["녹색기술 인증과 성능인증을 차례로 취득하였다.",
                                          "조달청 혁신제품으로 지정되어 공공기관 시범 구매가 진행 중입니다."]))]

    def esg(self) -> list[Block]:
        rng = self.rng
        return [self.heading("ESG", "지속가능경영", "사회적 가치"),
                Block("para", rng.choice(["지역 인재를 우선 채용하고 있으며, 사업장의 탄소 배출을 매년 줄이고 있습니다.",
                                          "모든 임직원이 해마다 윤리경영 교육을 이수합니다.",
                                          "협력사와의 동반성장을 위해 대금을 현금으로 조기 지급하고 있다."])),
                Block("para", f"{rng.choice(['베트남', '미국', '독일', '인도네시아'])} 현지 파트너와 함께 "
                              f"해외 판로를 넓혀 가고 있습니다.")]

    def product(self) -> list[Block]:
        r, rng = self.r, self.rng
        products = [p.strip() for p in r.main_product.split(",") if p.strip()]
        bullet = rng.choice(self.BULLETS)
        blocks = [self.heading(*self.PRODUCT_HEADINGS),
                  Block("para", fill(rng.choice(self.LEADS), p=r.main_product, c=r.company_name))]
        uses = [Block("heading", rng.choice(self.USE_HEADINGS)),
                *(Block("para", bullet + s) for s in sentences(r.product_use))]
        table = Block("table", rows=(rng.choice(self.TABLE_HEADS), *((p, rng.choice(self.STATUSES)) for p in products)))
        return blocks + ([table, *uses] if rng.random() < 0.5 else [*uses, table])

    def technology(self) -> list[Block]:
        r, rng = self.r, self.rng
        name = rng.choice(["국책과제 수행: {t}", "{t} (중소벤처기업부 기술개발사업, 수행 중)",
                           "지금 가장 힘을 쏟는 개발은 {t}입니다."]).format(t=r.tech_project)
        blocks = [self.heading("Technology", "R&D 역량", "기술 경쟁력"), Block("para", name),
                  Block("para", f"등록 특허 {rng.randint(1, 12)}건과 출원 중인 특허를 바탕으로 기술 장벽을 쌓았습니다.")]
        if rng.random() < STATE_NST:
            blocks.append(Block("para", rng.choice(["기술분류 {n}", "기술 분야(국가과학기술표준분류) {n}"]).format(n=r.nst_code)))
        return blocks

    def sections(self) -> list[Callable[[], list[Block]]]:
        return [self.history, self.customers, self.investment, self.recognition, self.esg, self.product,
                self.technology]
