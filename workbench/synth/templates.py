"""Sentence templates for the synthetic 제품용도 and 기술사업명, in two pools that never share a template.

Slots: {product} {use} {feature} {customer}. ``{x|은}`` picks the particle that fits the final syllable of x.
The held-out pool uses other sentence shapes and endings, so evaluation measures generalisation.
"""
from __future__ import annotations

import re

USE_SENTENCES = {
    "train": [
        "{product|은} {use}에 사용되는 제품임.",
        "{use|을} 위한 {product}로, {feature}.",
        "당사 {product|은} {feature}의 특성을 가짐.",
        "{customer}에 공급되며 {use}에 활용됨.",
        "{feature} 수준의 성능을 확보하여 기존 수입품을 대체함.",
        "주요 적용처는 {use}이며, {customer|을} 대상으로 판매함.",
        "{product}의 핵심 경쟁력: {feature}.",
        "{use} 분야에서 {product|을} 공급하고 있음.",
    ],
    "test": [
        "{use} 현장에 투입하는 솔루션입니다.",
        "고객사인 {customer}의 요청으로 개발하였으며 {feature|을} 구현했습니다.",
        "경쟁 제품과 비교해 {feature} 측면에서 우위가 있습니다.",
        "납품처: {customer} / 용도: {use}.",
        "{product|는} {use}용으로 설계되어 {feature|을} 달성함.",
        "현재 {customer|와} 실증을 진행 중이며, 양산 시 {use}에 적용 예정.",
        "특장점 — {feature}.",
        "{use}의 효율을 높이는 것이 목적으로, 시제품 검증을 마쳤습니다.",
    ],
}

TECH_PROJECTS = {
    "train": ["{tech} 개발", "{tech} 기술 개발", "{tech|을} 적용한 제품 개발", "{tech} 원천기술 개발"],
    "test": ["{tech} 고도화 및 상용화 개발", "차세대 {tech} 개발 과제", "{tech} 기반 실증 및 사업화 개발"],
}

CUSTOMERS = {
    "train": ["국내 대기업", "중견 제조기업", "공공기관", "지방자치단체", "대학병원", "해외 바이어", "1차 협력사"],
    "test": ["글로벌 OEM", "종합병원 및 의원", "정부출연연구소", "수출 대리점", "대형 유통 플랫폼", "Tier-2 부품사"],
}

MODEL_SUFFIX = {"train": ["(모델명 {code})", "{code} 시리즈"], "test": ["[{code}]", "- 제품군 {code}"]}

# Common Korean ↔ English variants; applied to both pools (not item vocabulary).
VARIANTS = {
    "인공지능": "AI", "사물인터넷": "IoT", "빅데이터": "Big Data", "소프트웨어": "S/W", "하드웨어": "H/W",
    "플랫폼": "Platform", "시스템": "System", "모듈": "module", "센서": "sensor", "배터리": "battery",
    "디스플레이": "display", "반도체": "semiconductor", "클라우드": "cloud", "데이터": "data",
    "자율주행": "autonomous driving", "로봇": "robot", "솔루션": "solution", "드론": "drone",
}


def has_final_consonant(word: str) -> bool:
    """Whether the word ends in a consonant as read aloud (Hangul batchim, or l/m/n/r/digits 0,1,3,6,7,8)."""
    word = re.sub(r"[\s\)\]\"'·.,]+$", "", word)
    if not word:
        return False
    ch = word[-1]
    if "가" <= ch <= "힣":
        return (ord(ch) - 0xAC00) % 28 != 0
    return ch.lower() in "lmnr013678"


PARTICLES = {"은": ("은", "는"), "는": ("은", "는"), "을": ("을", "를"), "를": ("을", "를"),
             "이": ("이", "가"), "가": ("이", "가"), "과": ("과", "와"), "와": ("과", "와")}


def fill(template: str, **slots: str) -> str:
    """Fill ``{slot}`` / ``{slot|은}`` placeholders, choosing particles that fit the filled word."""
    def sub(m: re.Match) -> str:
        value = slots[m.group(1)]
        if m.group(2):
            with_c, without_c = PARTICLES[m.group(2)]
            value += with_c if has_final_consonant(value) else without_c
        return value
    return re.sub(r"\{(\w+)(?:\|(\w+))?\}", sub, template)
