"""Examiner web app (Panel): ``build_app()`` returns the page; ``apps/examiner.py`` and
``notebooks/examiner_app.ipynb`` both call it.

Serve with ``panel serve apps/examiner.py --warm`` (``make run``): ``--warm`` runs the script once at server
start, and :func:`warm_up` loads the shared recommender then, so the first 판별 does not wait.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import panel as pn

from workbench.auth import Access
from workbench.store import JudgmentStore
from workbench.ui.intake import IntakeView
from workbench.ui.intake_state import IntakeState
from workbench.ui.login import LOGOUT_URL, users
from workbench.ui.state import (ExaminerState, FormState, HistoryState, RecommenderLike, shared_recommender,
                                shared_store, store_problem, warm_up)
from workbench.ui.views import TITLE, ExaminerApp

__all__ = ["TITLE", "ExaminerApp", "ExaminerState", "FormState", "HistoryState", "build_app", "create_app",
           "current_user", "guard_personal_data_in_logs", "warm_up"]


def current_user() -> str | None:
    """The logged-in user of this session (basic auth / OAuth), ``None`` when the app runs without login."""
    try:
        user = pn.state.user
    except Exception:
        return None
    return user if user and user != "guest" else None


def create_app(recommender: Callable[[], RecommenderLike] | None = None,
               store_url: str | None = None,
               store: Callable[[], JudgmentStore] | None = None) -> ExaminerApp:
    """One session's app (state + views) without the page template.

    ``recommender``: zero-argument factory of an object with ``.recommend(record)``; default the process-wide
    :func:`workbench.ui.state.shared_recommender`. ``store``: factory of a ``JudgmentStore``; default the
    process-wide store for ``store_url`` (default ``workbench.config.database_url()``). The session's role comes
    from the users file (``workbench.config.users_file()``) for the logged-in user.
    """
    store_factory = store or partial(shared_store, store_url)
    user = current_user()
    access = Access.for_user(user, users())
    state = ExaminerState(recommender=recommender or shared_recommender, store=store_factory,
                          examiner=user or "", examiner_locked=user is not None)
    return ExaminerApp(state=state, history=HistoryState(store=store_factory, access=access),
                       intake=IntakeView(intake=IntakeState(form=state.form)),
                       store_problem="" if store else store_problem(store_url),
                       logout_url=f"{pn.state.base_url.rstrip('/')}{LOGOUT_URL}")


def guard_personal_data_in_logs() -> None:
    """Keep Panel's widget event logs (DEBUG, they echo typed values such as 사업자등록번호 and 대표자명) off."""
    logger = logging.getLogger("panel.viewable")
    if logger.getEffectiveLevel() < logging.INFO:
        logger.setLevel(logging.INFO)


def build_app(recommender: Callable[[], RecommenderLike] | None = None,
              store_url: str | None = None,
              store: Callable[[], JudgmentStore] | None = None) -> pn.template.FastListTemplate:
    """The examiner page (``FastListTemplate`` titled '혁신성장 품목 자동판별') for one session."""
    pn.extension("tabulator", "filedropper", notifications=True)
    guard_personal_data_in_logs()
    return create_app(recommender, store_url, store).template()
