"""Documents worded as the proposal rules were never written for: a held-out check of intake's robustness.

The house documents (:mod:`content`) use the headings and sentences that :mod:`workbench.intake.sections` and
:mod:`workbench.intake.propose` know. Real companies word things their own way — here in the style of the public
start-up support plans (문제 인식 / 실현 가능성 / 성장 전략 / 팀 구성), with sub-numbering such as ``2-1.``, labels
the rules do not list, and product sentences without the verbs the rules look for. These wordings were written
before the rules' fallback and must never be added to the rules: they measure what unseen wording costs.
"""
from __future__ import annotations

from workbench.intake.testdocs.content import STATE_NST, Block, SpecBuilder
from workbench.schema.record import CompanyRecord

HEADINGS = {  # the house heading (first choice) → the unseen wordings used instead
    "회사 개요": ("신청 기업 정보", "기업 일반", "회사는 어떤 곳인가"),
    "시장 현황": ("문제 인식 (Problem)", "창업 배경 및 필요성", "고객이 겪는 문제"),
    "재무 현황": ("자금 소요 및 조달 계획", "매출 실적", "손익 추이"),
    "조직 및 인력": ("팀 구성 (Team)", "대표자 및 팀원 역량", "사람들"),
}


class UnseenWordingBuilder(SpecBuilder):
    """:class:`SpecBuilder` with headings, labels and sentences that the intake rules do not contain."""

    LEADS = ("{c|이} 선보이는 {p|은} 현장의 불편을 덜어 줍니다.", "우리가 내놓은 답은 {p}이며, 이미 고객사에 납품되고 있습니다.",
             "핵심 품목 — {p}", "{p|은} 당사 매출의 대부분을 차지합니다.")
    PRODUCT_HEADINGS = ("실현 가능성 (Solution)", "솔루션 소개", "무엇을 만드는가", "아이템 상세")
    TABLE_HEADS = (("라인업", "상태"), ("모델", "출시"))
    TABLE_MIDDLE = ()
    STATUSES = ("출시", "납품 중", "개발 막바지")
    USE_HEADINGS = ("고객이 얻는 가치", "어디에 쓰이나", "경쟁 제품 대비 강점", "세부 내용")

    def __init__(self, record: CompanyRecord, seed: int, pages: int = 0):
        super().__init__(record, seed, pages)
        self.numbering = self.rng.choice(["{n}-1. ", "[{n}] ", "{n}) ", "<{n}> ", ""])

    def heading(self, *choices: str) -> Block:
        return super().heading(*HEADINGS.get(choices[0], choices))

    def technology(self) -> list[Block]:
        r, rng = self.r, self.rng
        name = rng.choice(["추진 중인 과제는 {t}입니다.", "과제 명칭 : {t}", "{t} — 정부 R&D 과제로 수행 중",
                           "올해 목표는 {t}의 완성입니다."]).format(t=r.tech_project)
        blocks = [self.heading("성장 전략 (Scale-up)", "R&D 로드맵", "앞으로의 계획"), Block("para", name),
                  Block("para", f"특허 {rng.randint(1, 12)}건을 확보했고, 고객 현장 실증을 마쳤습니다.")]
        if rng.random() < STATE_NST:
            blocks.append(Block("para", f"국가과학기술표준분류 {r.nst_code}"))
        return blocks
