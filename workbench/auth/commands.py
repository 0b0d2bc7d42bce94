"""CLI of the login: ``register(app)`` adds to the ``workbench`` app

* ``workbench users add NAME --role examiner|admin`` / ``passwd NAME`` / ``role NAME ROLE`` / ``remove NAME`` /
  ``list`` — the users file (argon2id hashes). A password is typed twice at a hidden prompt or read from stdin
  with ``--password-stdin``; never taken from the command line, where ``ps`` and shell history would show it.
* ``workbench export-log`` — who exported which judgments from the history tab, when, with which filter.
"""
from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from workbench.auth import ROLE_LABELS_KO, ROLES, UsersFile, UsersFileError, check_new_password
from workbench.config import users_file

users_app = typer.Typer(help="Users of the app's login (argon2id password hashes, roles examiner|admin).",
                        no_args_is_help=True)

FILE_OPTION = typer.Option(None, "--file", help="users file (default: WORKBENCH_USERS_FILE or data/users.json)")
STDIN_OPTION = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")


def _file(path: Path | None) -> UsersFile:
    return UsersFile(path or users_file())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("비밀번호: ")
        if getpass.getpass("비밀번호 확인: ") != password:
            raise UsersFileError("두 비밀번호가 다릅니다.")
    check_new_password(password)
    return password


def _run(action: str, change: Callable[[], None]) -> None:
    try:
        change()
    except UsersFileError as exc:
        typer.echo(exc.message_ko, err=True)
        raise typer.Exit(2) from None
    typer.echo(action)


@users_app.command("add")
def add_cmd(name: str, role: str = typer.Option(..., help="examiner (심사역) | admin (관리자)"),
            password_stdin: bool = STDIN_OPTION, file: Path | None = FILE_OPTION) -> None:
    """Add a user with a role; the password is asked for (twice) or read from stdin."""
    users = _file(file)
    _run(f"added {name} ({role}) to {users.path}", lambda: users.add(name, _read_password(password_stdin), role))


@users_app.command("passwd")
def passwd_cmd(name: str, password_stdin: bool = STDIN_OPTION, file: Path | None = FILE_OPTION) -> None:
    """Set a new password."""
    users = _file(file)
    _run(f"new password for {name}", lambda: users.set_password(name, _read_password(password_stdin)))


@users_app.command("role")
def role_cmd(name: str, role: str = typer.Argument(..., help="examiner | admin"),
             file: Path | None = FILE_OPTION) -> None:
    """Change a user's role (takes effect at the user's next page load)."""
    users = _file(file)
    _run(f"{name} is now {role}", lambda: users.set_role(name, role))


@users_app.command("remove")
def remove_cmd(name: str, file: Path | None = FILE_OPTION) -> None:
    """Remove a user (an open session is refused at its next connection)."""
    users = _file(file)
    _run(f"removed {name}", lambda: users.remove(name))


@users_app.command("list")
def list_cmd(file: Path | None = FILE_OPTION) -> None:
    """Users and roles (entries that can never log in are marked)."""
    users = _file(file)
    try:
        entries = users.entries()
    except UsersFileError as exc:
        typer.echo(exc.message_ko, err=True)
        raise typer.Exit(2) from None
    for name in sorted(entries):
        user = users.get(name)
        typer.echo(f"{name}\t{user.role}\t{ROLE_LABELS_KO[user.role]}" if user else
                   f"{name}\t-\t로그인 불가: argon2id 해시나 역할({'/'.join(ROLES)})이 아닙니다 — 'workbench users passwd'")


def export_log_cmd(db: str | None = typer.Option(None, help="database URL (default: WORKBENCH_DB_URL)"),
                   limit: int = typer.Option(50, min=1, help="newest N entries")) -> None:
    """Exports of the judgment history, newest first: when (UTC), who, role, format, rows, filter."""
    from workbench.store import JudgmentStore, StoreError

    try:
        with JudgmentStore(db) as store:
            entries = store.exports(limit=limit)
    except StoreError as exc:
        typer.echo(exc.message_ko, err=True)
        raise typer.Exit(2) from None
    for e in entries:
        when = e.created_at.isoformat(timespec="seconds")
        who = e.exported_by or "(로그인 없음)"
        typer.echo(f"{e.id}\t{when}\t{who}\t{e.role}\t{e.file_format}\t{e.row_count} rows\t"
                   f"{json.dumps(e.filters, ensure_ascii=False)}")


def register(app: typer.Typer) -> None:
    """Add the ``users`` group and ``export-log`` to ``app``."""
    app.add_typer(users_app, name="users")
    app.command("export-log")(export_log_cmd)


__all__ = ["register", "users_app"]
