"""Evidence profiles: which kinds of evidence a record carries, so that it is scored by a fusion calibrated on
records that carry the same.

A judged record in the guarantor's form has all six fields; a real portfolio or a listing often has only the
industry name and a product list. One fusion calibrated on complete records is over-confident on the short ones
(its weights and temperature assume evidence that is not there), so each profile gets its own fusion, fitted on
the validation records seen as that profile would see them (:func:`profile_view`).

- ``full``: text beyond the product list (제품용도 or 기술사업명) and a usable 업종코드 or 기술분류.
- ``no_codes``: the same text, no usable code.
- ``short``: 주요제품 and/or 업종명 only — what a listing publishes.
"""
from __future__ import annotations

import dataclasses

from workbench.recommend.codes import code_values
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.ksic import ksic_tables

PROFILES = ("full", "no_codes", "short")
LABELS_KO = {"full": "전체 입력", "no_codes": "업종코드·기술분류 없음", "short": "주요제품·업종명만"}


def evidence_profile(record: CompanyRecord) -> str:
    if not (record.product_use.strip() or record.tech_project.strip()):
        return "short"
    ksic, nst = code_values(record)
    return "full" if ksic or nst else "no_codes"


def profile_view(record: CompanyRecord, profile: str) -> CompanyRecord:
    """The record as a company of ``profile`` would present it: ``no_codes`` drops 업종코드 and 기술분류; ``short``
    keeps 주요제품 and the 업종명 of its KSIC group (소분류, the level a listing publishes), nothing else."""
    if profile == "full":
        return record
    if profile == "no_codes":
        return dataclasses.replace(record, ksic_code="", nst_code="")
    if profile == "short":
        codes = ksic_tables().to_ksic11(record.ksic_code, record.base_date)
        group = ksic_tables().codes[11].get(codes[0][:3]) if codes else None
        return CompanyRecord(main_product=record.main_product,
                             industry_name=group.name if group else record.industry_name)
    raise ValueError(f"unknown evidence profile {profile!r}; expected one of {PROFILES}")
