"""Store errors with Korean messages for examiners; driver errors are classified, never echoed."""
from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

MESSAGES_KO: dict[str, str] = {
    "unavailable": "데이터베이스에 연결할 수 없습니다. 네트워크와 데이터베이스 서버 상태를 확인한 뒤 다시 시도하세요.",
    "locked": "데이터베이스가 잠겨 있습니다. 다른 작업이 끝난 뒤 잠시 후 다시 시도하세요.",
    "disk_full": "디스크 공간이 부족합니다. 관리자에게 저장 공간 확보를 요청한 뒤 다시 시도하세요.",
    "read_only": "데이터베이스가 읽기 전용이라 저장할 수 없습니다. 파일 권한 또는 계정 권한을 확인하세요.",
    "generic": "데이터베이스 오류가 발생했습니다. 잠시 후 다시 시도하고, 계속되면 관리자에게 문의하세요.",
    "config": "데이터베이스 주소(WORKBENCH_DB_URL)를 해석할 수 없거나 그 드라이버가 설치되어 있지 않습니다. "
              "예: sqlite:///data/workbench.sqlite3 또는 postgresql+psycopg://사용자@호스트:5432/DB "
              "(postgres://… 는 postgresql+psycopg://… 로 쓰세요). 관리자에게 설정 확인을 요청하세요.",
    "newer_schema": "이 데이터베이스는 더 새로운 버전의 workbench가 만든 것입니다. workbench를 최신 버전으로 "
                    "업데이트하세요 (데이터는 변경하지 않았습니다).",
    "invalid_data": "입력값에 데이터베이스가 저장할 수 없는 문자나 값이 있습니다. 해당 입력을 고친 뒤 저장하세요 "
                    "(다시 시도해도 같은 결과입니다).",
}

# PostgreSQL SQLSTATE codes (exact, then two-character class).
_PG_STATES: dict[str, str] = {
    "53100": "disk_full",
    "55P03": "locked",
    "40P01": "locked",
    "40001": "locked",
    "25006": "read_only",
    "42501": "read_only",
    "57P01": "unavailable",
    "57P02": "unavailable",
    "57P03": "unavailable",
    "53300": "unavailable",
    "08": "unavailable",
    "22": "invalid_data",  # data exception, e.g. NUL in text: retrying never helps
}

_SQLITE_CODES: dict[str, str] = {
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_FULL": "disk_full",
    "SQLITE_READONLY": "read_only",
    "SQLITE_CANTOPEN": "unavailable",
    "SQLITE_PERM": "read_only",
    "SQLITE_IOERR": "unavailable",
    "SQLITE_NOTADB": "unavailable",
}


class StoreError(Exception):
    """A database failure the examiner can act on; ``message_ko`` is safe to show in the UI.

    ``kind`` is one of ``unavailable``, ``locked``, ``disk_full``, ``read_only``, ``generic``, ``config`` (bad
    URL or missing driver), ``newer_schema`` (a database of a newer workbench), ``invalid_data``.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.message_ko = MESSAGES_KO[kind]
        self.detail = detail
        super().__init__(f"{self.message_ko} [{kind}{': ' + detail if detail else ''}]")


def classify(error: BaseException) -> str:
    """Map a SQLAlchemy/DBAPI/OS error to a :class:`StoreError` kind."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    state = getattr(orig, "sqlstate", None)
    if state:
        return _PG_STATES.get(state) or _PG_STATES.get(state[:2], "generic")
    if isinstance(orig, sqlite3.Error):
        # Extended codes fold into their primary code: SQLITE_BUSY_SNAPSHOT → SQLITE_BUSY.
        primary = "_".join((getattr(orig, "sqlite_errorname", "") or "").split("_")[:2])
        return _SQLITE_CODES.get(primary, "generic")
    if isinstance(orig, OSError):
        return "unavailable"
    if isinstance(error, sa_exc.DataError):  # e.g. psycopg refusing NUL before sending: no SQLSTATE
        return "invalid_data"
    if isinstance(error, sa_exc.OperationalError) or getattr(error, "connection_invalidated", False):
        return "unavailable"  # e.g. psycopg connection failures, which carry no SQLSTATE
    return "generic"


def to_store_error(error: BaseException) -> StoreError:
    """Build a :class:`StoreError` naming only the error class/code (no SQL parameters, no row values)."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    detail = type(orig).__name__ + (f" {code}" if code else "")
    return StoreError(classify(error), detail)
