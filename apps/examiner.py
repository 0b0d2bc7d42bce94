"""Examiner web app: ``panel serve apps/examiner.py --warm`` (``make run``).

``--warm`` runs this script once before the server listens: :func:`workbench.ui.warm_up` loads the shared
recommender and answers one 판별 with it, so the server is ready only when a model serves and the first 판별 is as
fast as the next; :func:`workbench.recommend.service.watch` then swaps in a newer model (the fine-tuned one the first
set-up trains in the background) without a restart. The judgment store is ``workbench.config.database_url()``
(``WORKBENCH_DB_URL``). With ``--auth-module apps/auth.py`` (``make run LOGIN=1``) the logged-in user is the 심사역
and their role (examiner | admin) sets what the history tab allows.
"""
import panel as pn

from workbench.config import database_url
from workbench.recommend.service import watch
from workbench.ui import TITLE, build_app, warm_up

pn.extension("tabulator", notifications=True)
warm_up(background=False)
watch()
build_app(store_url=database_url()).servable(title=TITLE)
