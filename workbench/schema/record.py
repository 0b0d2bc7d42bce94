"""The guarantor's company record: fields, header aliases and validation with specific messages."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date

from workbench.taxonomy.ksic import KsicTables, ksic_tables
from workbench.taxonomy.model import Taxonomy


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label_ko: str
    aliases: tuple[str, ...]
    group: str  # "company" | "technology" | "label"


FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("company_name", "기업명", ("기업명", "업체명", "company_name"), "company"),
    FieldSpec("business_reg_no", "사업자등록번호", ("사업자등록번호", "사업자번호", "business_reg_no"), "company"),
    FieldSpec("ceo_name", "대표자명", ("대표자명", "대표자", "ceo_name"), "company"),
    FieldSpec("base_date", "분류기준일", ("분류기준일", "기준일", "base_date"), "company"),
    FieldSpec("ksic_code", "업종코드", ("업종코드", "KSIC", "ksic_code"), "technology"),
    FieldSpec("industry_name", "업종명", ("업종명", "industry_name"), "technology"),
    FieldSpec("main_product", "주요제품", ("주요제품", "main_product"), "technology"),
    FieldSpec("product_use", "제품용도", ("제품의 용도 및 특성", "제품용도", "제품의용도및특성", "product_use"), "technology"),
    FieldSpec("tech_project", "기술사업명", ("기술사업명", "tech_project"), "technology"),
    FieldSpec("nst_code", "기술분류", ("기술분류", "국가과학기술표준분류", "nst_code"), "technology"),
    FieldSpec("theme_code", "테마코드", ("테마코드", "테마", "theme_code"), "label"),
    FieldSpec("theme_name", "테마명", ("테마명", "theme_name"), "label"),
    FieldSpec("field_code", "분야코드", ("분야코드", "분야", "field_code"), "label"),
    FieldSpec("field_name", "분야명", ("분야명", "field_name"), "label"),
    FieldSpec("item_code", "품목코드", ("품목코드", "품목", "item_code"), "label"),
    FieldSpec("item_name", "품목명", ("품목명", "item_name"), "label"),
    FieldSpec("revision", "기준차수", ("기준차수", "revision"), "label"),
)
SPEC_BY_NAME = {s.name: s for s in FIELD_SPECS}
COMPANY_FIELDS = tuple(s.name for s in FIELD_SPECS if s.group == "company")
TECH_FIELDS = tuple(s.name for s in FIELD_SPECS if s.group == "technology")
TEXT_FIELDS = ("industry_name", "main_product", "product_use", "tech_project")
REQUIRED_FIELDS = ("company_name", "business_reg_no", "ceo_name") + TECH_FIELDS
# 국가과학기술표준분류(2018) 대분류: the only level we can check without the full table.
NST_SECTIONS = frozenset("EA EB EC ED EE EF EG EH EI HA HB HC HD HE LA LB LC NA NB NC ND OA OB OC "
                         "SA SB SC SD SE SF SG SH SI".split())
NST_RE = re.compile(r"[A-Z]{2}[0-9]{4}")  # ASCII only: \d would accept full-width digits
BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
# Longest accepted value per field (characters): a form field, not a document. Longer text stalls the shared
# tokenizer for every examiner and is not what the criteria judge (documents go through intake, not the form).
MAX_LENGTH = {"company_name": 200, "business_reg_no": 20, "ceo_name": 100, "base_date": 30, "ksic_code": 20,
              "industry_name": 200, "main_product": 500, "product_use": 2000, "tech_project": 300, "nst_code": 20,
              "theme_code": 20, "theme_name": 100, "field_code": 20, "field_name": 100, "item_code": 20,
              "item_name": 200, "revision": 20}
# C0/C1 control characters other than tab and line breaks, and lone surrogates: no database or spreadsheet keeps
# them faithfully (PostgreSQL refuses NUL, XLSX refuses most C0 characters)
BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class CompanyRecord:
    """One company as the guarantor's files carry it; label fields are set for judged companies only."""

    company_name: str = ""
    business_reg_no: str = ""
    ceo_name: str = ""
    base_date: str = ""
    ksic_code: str = ""
    industry_name: str = ""
    main_product: str = ""
    product_use: str = ""
    tech_project: str = ""
    nst_code: str = ""
    theme_code: str = ""
    theme_name: str = ""
    field_code: str = ""
    field_name: str = ""
    item_code: str = ""
    item_name: str = ""
    revision: str = ""

    @classmethod
    def from_mapping(cls, data: dict) -> "CompanyRecord":
        """Build from a dict keyed by English names, Korean headers or aliases; unknown keys are ignored."""
        alias = {a: s.name for s in FIELD_SPECS for a in s.aliases}
        values = {}
        for key, value in data.items():
            name = alias.get(str(key).strip())
            if name and value is not None and str(value) != "nan":
                values[name] = str(value).strip()
        return cls(**values)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def text_fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str  # blank | format | checksum | unknown | inconsistent
    message_ko: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message_en}"


class RecordValidationError(ValueError):
    """Raised with every problem of a record at once."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @property
    def message_ko(self) -> str:
        return "\n".join(e.message_ko for e in self.errors)


def normalize_brn(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def brn_is_valid(value: str) -> bool:
    """사업자등록번호 check digit (국세청 rule): 10 digits, hyphens allowed."""
    digits = normalize_brn(value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    d = [int(c) for c in digits]
    total = sum(w * x for w, x in zip(BRN_WEIGHTS, d)) + (d[8] * 5) // 10
    return (10 - total % 10) % 10 == d[9]


def blank_error(name: str) -> FieldError:
    label = SPEC_BY_NAME[name].label_ko
    return FieldError(name, "blank", f"[공란 입력] {label}을(를) 입력하세요.", f"{name} is blank")


TEXT_ERROR_CODES = ("characters", "length")  # the FieldError codes text_errors gives


def text_errors(rec: CompanyRecord) -> list[FieldError]:
    """Characters no store or spreadsheet keeps, and values longer than ``MAX_LENGTH``."""
    errors = []
    for name, limit in MAX_LENGTH.items():
        value, label = getattr(rec, name), SPEC_BY_NAME[name].label_ko
        bad = BAD_CHARACTERS.search(value)
        if bad:
            errors.append(FieldError(name, "characters",
                                     f"{label}에 입력할 수 없는 제어 문자(U+{ord(bad.group()):04X})가 있습니다. "
                                     "문서에서 복사했다면 해당 부분을 지우고 다시 입력하세요.",
                                     f"{name} contains a control character U+{ord(bad.group()):04X}"))
        if len(value) > limit:
            errors.append(FieldError(name, "length", f"{label}은(는) {limit:,}자 이내로 입력하세요 "
                                     f"(현재 {len(value):,}자). 핵심 내용만 요약해 주세요.",
                                     f"{name} is longer than {limit} characters ({len(value)})"))
    return errors


def validate_record(rec: CompanyRecord, *, required: tuple[str, ...] = REQUIRED_FIELDS,
                    taxonomy: Taxonomy | None = None, ksic: KsicTables | None = None,
                    require_label: bool = False) -> list[FieldError]:
    """Every problem of a record: blanks, 사업자등록번호 check digit, KSIC code, NST code, label codes."""
    ksic = ksic or ksic_tables()
    errors = [blank_error(n) for n in required if not getattr(rec, n).strip()]
    errors += text_errors(rec)
    blank = {e.field for e in errors}

    if "business_reg_no" not in blank and rec.business_reg_no:
        digits = normalize_brn(rec.business_reg_no)
        if not re.fullmatch(r"[0-9]{10}", digits):
            errors.append(FieldError("business_reg_no", "format", "사업자등록번호는 숫자 10자리입니다 (하이픈 허용).",
                                     "business registration number must be 10 digits (hyphens allowed)"))
        elif not brn_is_valid(digits):
            errors.append(FieldError("business_reg_no", "checksum", "사업자등록번호의 검증번호가 맞지 않습니다.",
                                     "business registration number fails its check digit"))
    if rec.ksic_code and "ksic_code" not in blank:
        code = rec.ksic_code.strip()
        if not re.fullmatch(r"[0-9]{5}", code):
            errors.append(FieldError("ksic_code", "format", "업종코드는 KSIC 세세분류 숫자 5자리입니다.",
                                     "KSIC code must be 5 digits"))
        elif ksic.lookup(code) is None:
            errors.append(FieldError("ksic_code", "unknown", f"업종코드 {code}는 KSIC 10차·11차에 없는 코드입니다.",
                                     f"KSIC code {code} is unknown in the 10th and 11th revisions"))
    if rec.nst_code and "nst_code" not in blank:
        code = rec.nst_code.strip().upper()
        if not NST_RE.fullmatch(code):
            errors.append(FieldError("nst_code", "format", "기술분류는 영문 2자 + 숫자 4자리입니다 (예: EE0101).",
                                     "NST code must be two letters and four digits, e.g. EE0101"))
        elif code[:2] not in NST_SECTIONS:
            errors.append(FieldError("nst_code", "unknown", f"기술분류 대분류 {code[:2]}는 국가과학기술표준분류에 없습니다.",
                                     f"NST section {code[:2]} does not exist"))
    if rec.base_date:
        try:
            date.fromisoformat(rec.base_date[:10])
        except ValueError:
            errors.append(FieldError("base_date", "format", "분류기준일은 YYYY-MM-DD 형식입니다.",
                                     "base_date must be YYYY-MM-DD"))
    if require_label or rec.item_code:
        errors += _label_errors(rec, taxonomy)
    return errors


def _label_errors(rec: CompanyRecord, taxonomy: Taxonomy | None) -> list[FieldError]:
    if not rec.item_code:
        return [blank_error("item_code")]
    if taxonomy is None:
        from workbench.config import DEFAULT_REVISION
        from workbench.taxonomy.loader import load_taxonomy, revision_dirs
        revision = rec.revision.strip() or DEFAULT_REVISION
        try:
            taxonomy = load_taxonomy(revision)
        except KeyError:  # an unknown 기준차수 is a problem of this record, not a crash of the whole file
            known = ", ".join(revision_dirs())
            return [FieldError("revision", "unknown", f"기준차수 {revision}는 등록된 기준이 아닙니다 (등록: {known}).",
                               f"revision {revision!r} is unknown (available: {known})")]
    if rec.item_code not in taxonomy.item_by_code:
        return [FieldError("item_code", "unknown", f"품목코드 {rec.item_code}는 {taxonomy.label}에 없습니다.",
                           f"item code {rec.item_code} is unknown in revision {taxonomy.revision}")]
    it = taxonomy.describe(rec.item_code)
    out = []
    for name in ("field_code", "theme_code"):
        if getattr(rec, name) and getattr(rec, name) != it[name]:
            out.append(FieldError(name, "inconsistent",
                                  f"{SPEC_BY_NAME[name].label_ko} {getattr(rec, name)}가 품목 {rec.item_code}와 맞지 않습니다.",
                                  f"{name} {getattr(rec, name)} does not match item {rec.item_code} ({it[name]})"))
    return out


def record_field_names() -> list[str]:
    return [f.name for f in fields(CompanyRecord)]
