"""Login (issue 13.10): the users file holds argon2id hashes and roles, never a plain-text password; the login pages
check passwords with argon2 and set the cookie Panel reads as ``pn.state.user``; the ``workbench users`` CLI never
takes a password on the command line.

Most tests use a cheap argon2id hasher (same algorithm, small cost) so they run fast; one checks the real cost.
"""
from __future__ import annotations

import json
import os
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from argon2 import PasswordHasher
from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application, RequestHandler, authenticated
from typer.testing import CliRunner

import workbench.auth as auth
from workbench.auth import Access, UsersFile, UsersFileError
from workbench.ui import login

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    auth._dummy_hash.cache_clear()


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UsersFile:
    path = tmp_path / "users.json"
    monkeypatch.setenv("WORKBENCH_USERS_FILE", str(path))
    file = UsersFile(path)
    file.add("kim", PASSWORD, "admin")
    file.add("lee", "examiner password", "examiner")
    return file


def test_password_is_stored_as_argon2id_hash_only(users: UsersFile) -> None:
    text = users.path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "examiner password" not in text
    entries = json.loads(text)["users"]
    assert entries["kim"]["role"] == "admin" and entries["kim"]["hash"].startswith("$argon2id$")
    assert users.path.stat().st_mode & 0o077 == 0  # owner only
    assert users.verify("kim", PASSWORD) == auth.User("kim", "admin")
    assert users.verify("lee", "examiner password") == auth.User("lee", "examiner")
    assert users.verify("kim", "wrong password") is None
    assert users.verify("kim", entries["kim"]["hash"]) is None  # the hash is not a password
    assert users.verify("nobody", PASSWORD) is None


def test_default_hash_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real hasher
    assert auth.hash_password("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_plain_text_password_in_the_file_never_logs_in(users: UsersFile) -> None:
    data = json.loads(users.path.read_text(encoding="utf-8"))
    data["users"]["park"] = {"role": "admin", "hash": "secret1"}  # hand-edited, plain text
    users.path.write_text(json.dumps(data), encoding="utf-8")
    assert users.verify("park", "secret1") is None and users.get("park") is None
    assert users.verify("kim", PASSWORD) == auth.User("kim", "admin")  # the others still work
    # Panel's --basic-auth file format ({"name": "password"}) lets nobody in
    users.path.write_text(json.dumps({"kim": PASSWORD}), encoding="utf-8")
    assert users.verify("kim", PASSWORD) is None and users.get("kim") is None
    with pytest.raises(UsersFileError, match="형식"):
        users.entries()


def test_user_management(users: UsersFile) -> None:
    with pytest.raises(UsersFileError, match="10자 이상"):
        users.add("park", "short", "examiner")
    with pytest.raises(UsersFileError, match="역할"):
        users.add("park", "long enough pw", "superuser")
    with pytest.raises(UsersFileError, match="이미 있습니다"):
        users.add("kim", "long enough pw", "admin")
    with pytest.raises(UsersFileError, match="이름"):
        users.add("bad name!", "long enough pw", "admin")
    users.set_role("lee", "admin")
    assert users.get("lee") == auth.User("lee", "admin")
    users.set_password("lee", "a new password")
    assert users.verify("lee", "examiner password") is None and users.verify("lee", "a new password")
    users.remove("lee")
    assert users.get("lee") is None and sorted(users.entries()) == ["kim"]


def test_access_per_role(users: UsersFile) -> None:
    local = Access.for_user(None, users)
    assert not local.login and local.can_export and local.history_examiner is None
    admin = Access.for_user("kim", users)
    assert admin.login and admin.can_export and admin.history_examiner is None
    examiner = Access.for_user("lee", users)
    assert not examiner.can_export and examiner.history_examiner == "lee"
    other = Access.for_user("oauth.user", users)  # logged in by another provider: least access
    assert other.role == "examiner" and not other.can_export
    with pytest.raises(ValueError):
        Access(None, "examiner")


def test_cli_reads_passwords_from_stdin_never_from_arguments(tmp_path: Path) -> None:
    from workbench.cli import app

    path = tmp_path / "users.json"
    runner = CliRunner()
    res = runner.invoke(app, ["users", "add", "kim", "--role", "admin", "--password-stdin", "--file", str(path)],
                        input=PASSWORD + "\n")
    assert res.exit_code == 0, res.output
    assert UsersFile(path).verify("kim", PASSWORD) == auth.User("kim", "admin")
    res = runner.invoke(app, ["users", "add", "lee", "--role", "examiner", "--password", "x" * 12,
                              "--file", str(path)])
    assert res.exit_code != 0 and UsersFile(path).get("lee") is None  # no such option
    res = runner.invoke(app, ["users", "add", "lee", "--role", "examiner", "--password-stdin", "--file", str(path)],
                        input="short\n")
    assert res.exit_code == 2 and "10자 이상" in res.output
    res = runner.invoke(app, ["users", "list", "--file", str(path)])
    assert res.exit_code == 0 and "kim\tadmin\t관리자" in res.output and PASSWORD not in res.output


# --------------------------------------------------------------------------- login pages


class Protected(RequestHandler):
    def get_current_user(self) -> str | None:
        return login.get_user(self)

    @authenticated
    def get(self) -> None:
        self.write(f"user={self.current_user}")


class LoginPagesTest(AsyncHTTPTestCase):
    """The login hooks in a tornado application, as Bokeh mounts them for ``--auth-module``."""

    def setUp(self) -> None:
        self._env = os.environ.get("WORKBENCH_USERS_FILE")
        self._hasher = auth._hasher
        auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        auth._dummy_hash.cache_clear()
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "users.json"
        os.environ["WORKBENCH_USERS_FILE"] = str(self.path)
        self.users = UsersFile(self.path)
        self.users.add("kim", PASSWORD, "admin")
        data = json.loads(self.path.read_text(encoding="utf-8"))
        data["users"]["plain"] = {"role": "admin", "hash": "secret1"}
        self.path.write_text(json.dumps(data), encoding="utf-8")
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        auth._hasher = self._hasher
        auth._dummy_hash.cache_clear()
        if self._env is None:
            os.environ.pop("WORKBENCH_USERS_FILE", None)
        else:
            os.environ["WORKBENCH_USERS_FILE"] = self._env
        self.dir.cleanup()

    def get_app(self) -> Application:
        return Application([(login.LOGIN_URL, login.LoginHandler), (login.LOGOUT_URL, login.LogoutHandler),
                            ("/examiner", Protected)], cookie_secret="test-secret", login_url=login.LOGIN_URL)

    def post_login(self, name: str, password: str, next_url: str = "/examiner") -> tuple[int, str, SimpleCookie]:
        res = self.fetch(login.LOGIN_URL, method="POST", follow_redirects=False,
                         body=urlencode({"username": name, "password": password, "next": next_url}))
        cookies = SimpleCookie()
        for header in res.headers.get_list("Set-Cookie"):
            cookies.load(header)
        return res.code, res.headers.get("Location", ""), cookies

    def test_form_is_korean_and_self_contained(self) -> None:
        res = self.fetch(f"{login.LOGIN_URL}?next=/examiner&error=failed")
        page = res.body.decode("utf-8")
        assert res.code == 200 and "비밀번호" in page and "올바르지 않습니다" in page
        assert 'name="next" value="/examiner"' in page and "http" not in page  # nothing from a CDN

    def test_wrong_or_plain_text_password_is_refused(self) -> None:
        for name, password in [("kim", "wrong password"), ("plain", "secret1"), ("nobody", PASSWORD)]:
            code, location, cookies = self.post_login(name, password)
            assert code == 302 and parse_qs(urlsplit(location).query)["error"] == ["failed"]
            assert login.COOKIE not in cookies

    def test_login_sets_a_signed_cookie_for_the_listed_user(self) -> None:
        code, location, cookies = self.post_login("kim", PASSWORD)
        assert code == 302 and location == "/examiner"
        morsel = cookies[login.COOKIE]
        assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel.value != "kim"  # signed
        header = {"Cookie": f"{login.COOKIE}={morsel.value}"}
        assert self.fetch("/examiner", headers=header).body == b"user=kim"
        forged = {"Cookie": f"{login.COOKIE}=kim"}
        assert self.fetch("/examiner", headers=forged, follow_redirects=False).code == 302
        self.users.remove("kim")  # removed: locked out at the next request
        assert self.fetch("/examiner", headers=header, follow_redirects=False).code == 302

    def test_next_stays_on_this_server(self) -> None:
        for target in ("//evil.example/x", "https://evil.example/", "evil"):
            assert self.post_login("kim", PASSWORD, target)[1] == "/"

    def test_logout_clears_the_cookie(self) -> None:
        res = self.fetch(login.LOGOUT_URL, follow_redirects=False)
        assert res.code == 302 and res.headers["Location"].startswith("login?")
        cookies = SimpleCookie()
        for header in res.headers.get_list("Set-Cookie"):
            cookies.load(header)
        assert cookies[login.COOKIE].value == "" and cookies[login.COOKIE]["expires"]


def test_auth_module_loads_in_bokeh_and_refuses_an_unusable_set_up(users: UsersFile,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from bokeh.server.auth_provider import AuthModule

    monkeypatch.setenv("PANEL_COOKIE_SECRET", "test-secret")
    provider = AuthModule(str(ROOT / "apps" / "auth.py"))
    assert provider.login_url == "/login" and provider.logout_url == "/logout"
    assert [path for path, _ in provider.endpoints] == ["/login", "/logout"]
    login.check_login_config(["panel", "serve"])
    monkeypatch.delenv("PANEL_COOKIE_SECRET")
    with pytest.raises(SystemExit, match="PANEL_COOKIE_SECRET"):
        login.check_login_config(["panel", "serve"])
    login.check_login_config(["panel", "serve", "--cookie-secret", "x"])
    monkeypatch.setenv("WORKBENCH_USERS_FILE", str(users.path.with_name("none.json")))
    with pytest.raises(SystemExit, match="사용자가 없습니다"):
        login.check_login_config(["panel", "serve", "--cookie-secret", "x"])
