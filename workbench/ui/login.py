"""Login of the examiner app, served by ``panel serve apps/examiner.py --auth-module apps/auth.py`` (Bokeh's auth
hooks: :func:`get_user`, :data:`LOGIN_URL`, :class:`LoginHandler`, :data:`LOGOUT_URL`, :class:`LogoutHandler`).

Passwords are checked against the argon2id hashes of the users file (:class:`workbench.auth.UsersFile`), in a
worker thread so a login never stalls other sessions. A good login sets the signed ``user`` cookie that Panel
reads as ``pn.state.user`` (signed with the server's cookie secret; ``HttpOnly``, ``SameSite=Lax``, ``Secure``
when the request came over HTTPS). Every page and websocket request checks that the user is still listed, so
``workbench users remove`` locks a user out at their next connection.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from html import escape
from urllib.parse import urlencode, urlsplit

from tornado.web import RequestHandler

from workbench.auth import UsersFile
from workbench.config import users_file

log = logging.getLogger(__name__)

LOGIN_URL = "/login"
LOGOUT_URL = "/logout"
COOKIE = "user"  # the cookie Panel decodes as pn.state.user
SESSION_DAYS = 1  # a login lasts one working day
MESSAGES_KO = {"failed": "아이디 또는 비밀번호가 올바르지 않습니다.", "logout": "로그아웃했습니다."}

PAGE = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>혁신성장 품목 자동판별 · 로그인</title>
<style>
body {{ font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif; background: #f4f6f8;
       display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; }}
form {{ background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 28px 32px; width: 320px; }}
h1 {{ font-size: 1.2em; color: #0b5cad; margin: 0 0 18px 0; }}
label {{ display: block; margin: 10px 0 4px 0; color: #333; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #c4ccd4; border-radius: 4px; }}
button {{ margin-top: 18px; width: 100%; padding: 9px; background: #0b5cad; color: #fff; border: 0;
          border-radius: 4px; font-size: 1em; }}
.message {{ color: #8a1c1c; margin-bottom: 8px; }}
</style></head>
<body><form method="post">{xsrf}
<h1>혁신성장 품목 자동판별</h1>
<div class="message" role="alert">{message}</div>
<label for="username">아이디</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">비밀번호</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">로그인</button>
</form></body></html>
"""

_users: UsersFile | None = None


def users() -> UsersFile:
    """The process-wide users file (re-read when it changes)."""
    global _users
    if _users is None or _users.path != users_file():
        _users = UsersFile(users_file())
    return _users


def check_login_config(argv: list[str] | None = None) -> None:
    """Refuse to start a login that cannot work: no usable user in the users file, or no cookie secret
    (``--cookie-secret`` or ``PANEL_COOKIE_SECRET``) to sign the login cookie with."""
    path = users_file()
    if not any(users().get(name) for name in users().entries()):
        raise SystemExit(f"로그인: {path}에 로그인할 수 있는 사용자가 없습니다. "
                         "'workbench users add 이름 --role admin'으로 추가하세요 (다른 파일은 WORKBENCH_USERS_FILE).")
    argv = sys.argv if argv is None else argv
    if not (os.environ.get("PANEL_COOKIE_SECRET") or any(a.startswith("--cookie-secret") for a in argv)):
        raise SystemExit("로그인: 로그인 쿠키에 서명할 비밀키가 없습니다. PANEL_COOKIE_SECRET을 설정하세요 "
                         "(예: python3 -c 'import secrets; print(secrets.token_hex(32))').")


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this server only (no scheme, host or '//'), else '/'."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def get_user(handler: RequestHandler) -> str | None:
    """The user of a request: a valid login cookie of a user the users file still lists."""
    raw = handler.get_secure_cookie(COOKIE, max_age_days=SESSION_DAYS)
    if not raw:
        return None
    name = raw.decode("utf-8")
    return name if users().get(name) else None


class LoginHandler(RequestHandler):
    """GET: the Korean login form; POST: check the password (argon2id), set the cookie, go on to ``next``."""

    def get(self) -> None:
        message = MESSAGES_KO.get(self.get_query_argument("error", ""), "")
        self.set_header("Cache-Control", "no-store")
        self.write(PAGE.format(xsrf=self.xsrf_form_html(), message=escape(message),
                               next=escape(safe_next(self.get_query_argument("next", None)))))

    async def post(self) -> None:
        name = self.get_body_argument("username", "").strip()
        password = self.get_body_argument("password", "")
        target = safe_next(self.get_body_argument("next", None))
        user = await asyncio.to_thread(users().verify, name, password)
        if user is None:
            log.warning("login failed for %r from %s", name[:100], self.request.remote_ip)
            self.redirect(f"?{urlencode({'error': 'failed', 'next': target})}")  # the form again, with a message
            return
        log.info("login %s (%s) from %s", user.name, user.role, self.request.remote_ip)
        self.set_secure_cookie(COOKIE, user.name, expires_days=SESSION_DAYS, httponly=True, samesite="Lax",
                               secure=self.request.protocol == "https")
        self.redirect(target)


class LogoutHandler(RequestHandler):
    """Clear the login cookie and show the login form again."""

    def get(self) -> None:
        self.clear_cookie(COOKIE)
        self.clear_cookie("is_guest")
        self.redirect(f"{LOGIN_URL.lstrip('/')}?{urlencode({'error': 'logout'})}")  # relative: keeps a prefix


__all__ = ["COOKIE", "LOGIN_URL", "LOGOUT_URL", "LoginHandler", "LogoutHandler", "check_login_config", "get_user",
           "safe_next", "users"]
