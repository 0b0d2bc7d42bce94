"""Users, roles and password checks of the examiner app's login.

The users file (JSON, :func:`workbench.config.users_file`) holds for each user a role and an argon2id hash of the
password; a password is never stored, and never compared, in plain text. Managed with ``workbench users …``
(:mod:`workbench.auth.commands`); read by the login pages (:mod:`workbench.ui.login`) and by each app session
for its :class:`Access`.

Roles: ``examiner`` (심사역: 판별, 저장, own history) and ``admin`` (관리자: the same, all history, export).
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)

ROLES = ("examiner", "admin")
ROLE_LABELS_KO = {"examiner": "심사역", "admin": "관리자"}
MIN_PASSWORD_LENGTH = 10
FILE_VERSION = 1
NAME_PATTERN = re.compile(r"[0-9A-Za-z가-힣._@-]{1,100}")  # fits judgments.examiner (100 characters)
_HASH_PREFIX = "$argon2id$"
_hasher = PasswordHasher()


class UsersFileError(ValueError):
    """The users file or a requested change is invalid; ``message_ko`` says what to do."""

    def __init__(self, message_ko: str) -> None:
        self.message_ko = message_ko
        super().__init__(message_ko)


@dataclass(frozen=True)
class User:
    name: str
    role: str


@dataclass(frozen=True)
class Access:
    """What one app session may do, fixed on the server when the session opens.

    ``user`` is the logged-in user, ``None`` without login (the local single-user run, which may do everything).
    """

    user: str | None
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.role == "examiner" and not self.user:
            raise ValueError("an examiner session needs a logged-in user")

    @property
    def login(self) -> bool:
        return self.user is not None

    @property
    def can_export(self) -> bool:
        return self.role == "admin"

    @property
    def history_examiner(self) -> str | None:
        """The examiner whose judgments this session may read; ``None`` for all."""
        return None if self.role == "admin" else self.user

    @classmethod
    def for_user(cls, user: str | None, users: UsersFile) -> Access:
        """The access of ``user`` (``None``: login off). A user the users file does not list (another login
        provider) gets the least: examiner."""
        if user is None:
            return cls(None, "admin")
        known = users.get(user)
        return cls(user, known.role if known else "examiner")


LOCAL_ACCESS = Access(None, "admin")


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` (argon2-cffi's RFC 9106 defaults)."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("workbench: no such user")


def _valid(entry: Any) -> bool:
    return (isinstance(entry, dict) and entry.get("role") in ROLES
            and isinstance(entry.get("hash"), str) and entry["hash"].startswith(_HASH_PREFIX))


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsersFileError(f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다.")


class UsersFile:
    """The users file at ``path``: ``{"version": 1, "users": {NAME: {"role": ROLE, "hash": "$argon2id$…"}}}``.

    Reading is cached until the file changes. An entry whose hash is not argon2id (e.g. a plain-text password) or
    whose role is unknown never logs in; a file that cannot be parsed lets nobody in.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, Any] = {}

    def entries(self) -> dict[str, Any]:
        """Name → raw entry (also invalid ones); ``{}`` when the file does not exist. Raises UsersFileError."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsersFileError(f"사용자 파일 {self.path}을(를) 읽을 수 없습니다 ({type(exc).__name__}).") from None
            if not isinstance(data, dict) or data.get("version") != FILE_VERSION or not isinstance(
                    data.get("users"), dict):
                raise UsersFileError(f"사용자 파일 {self.path}의 형식이 아닙니다. 'workbench users add'로 만드세요.")
            self._stamp, self._entries = stamp, data["users"]
        return dict(self._entries)

    def get(self, name: str) -> User | None:
        """The user ``name`` if listed with a valid entry (an unreadable file lists nobody)."""
        try:
            entry = self.entries().get(name)
        except UsersFileError as exc:
            log.error("users file unusable: %s", exc.message_ko)
            return None
        return User(name, entry["role"]) if _valid(entry) else None

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` matches the argon2id hash of ``name``, else ``None``. Takes as long for an
        unknown name or an invalid entry (a dummy hash is checked), so timing does not tell which names exist."""
        user = self.get(name)
        stored = self._entries[name]["hash"] if user else _dummy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    def add(self, name: str, password: str, role: str) -> None:
        """Add a new user (UsersFileError if the name is taken or invalid, the role unknown, the password short)."""
        if not NAME_PATTERN.fullmatch(name):
            raise UsersFileError("사용자 이름은 1–100자의 영문, 숫자, 한글, '.', '_', '-', '@'만 쓸 수 있습니다.")
        entries = self.entries()
        if name in entries:
            raise UsersFileError(f"사용자 {name}은(는) 이미 있습니다. 비밀번호는 'workbench users passwd'로 바꾸세요.")
        entries[name] = self._entry(password, role)
        self._write(entries)

    def set_password(self, name: str, password: str) -> None:
        entries = self._existing(name)
        entries[name] = self._entry(password, entries[name].get("role"))
        self._write(entries)

    def set_role(self, name: str, role: str) -> None:
        entries = self._existing(name)
        if role not in ROLES:
            raise UsersFileError(f"역할은 {', '.join(ROLES)} 중 하나입니다.")
        entries[name] = {**entries[name], "role": role}
        self._write(entries)

    def remove(self, name: str) -> None:
        entries = self._existing(name)
        del entries[name]
        self._write(entries)

    def _existing(self, name: str) -> dict[str, Any]:
        entries = self.entries()
        if name not in entries:
            raise UsersFileError(f"사용자 {name}이(가) 없습니다.")
        return entries

    @staticmethod
    def _entry(password: str, role: Any) -> dict[str, str]:
        if role not in ROLES:
            raise UsersFileError(f"역할은 {', '.join(ROLES)} 중 하나입니다.")
        check_new_password(password)
        return {"role": role, "hash": hash_password(password)}

    def _write(self, entries: dict[str, Any]) -> None:
        """Replace the file atomically, readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": FILE_VERSION, "users": entries}, ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


__all__ = ["LOCAL_ACCESS", "MIN_PASSWORD_LENGTH", "ROLES", "ROLE_LABELS_KO", "Access", "User", "UsersFile",
           "UsersFileError", "check_new_password", "hash_password"]
