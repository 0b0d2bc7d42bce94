"""Login for the examiner app: ``panel serve apps/examiner.py --auth-module apps/auth.py`` (``make run LOGIN=1``).

Bokeh loads this file at server start; the hooks are in :mod:`workbench.ui.login`. Users and roles:
``workbench users add NAME --role examiner|admin``. Needs ``PANEL_COOKIE_SECRET`` (see docs/app.md).
"""
from workbench.ui.login import LOGIN_URL as login_url
from workbench.ui.login import LOGOUT_URL as logout_url
from workbench.ui.login import LoginHandler, LogoutHandler, check_login_config, get_user

check_login_config()

__all__ = ["LoginHandler", "LogoutHandler", "get_user", "login_url", "logout_url"]
