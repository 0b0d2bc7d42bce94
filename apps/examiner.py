"""Examiner web app: ``panel serve apps/examiner.py --warm`` (``make run``).

``--warm`` runs this script once when the server starts; :func:`workbench.ui.warm_up` then loads the shared
recommender in the background, so the first 판별 does not wait. The judgment store is
``workbench.config.database_url()`` (``WORKBENCH_DB_URL``). With ``--auth-module apps/auth.py`` (``make run LOGIN=1``)
the logged-in user is the 심사역 and their role (examiner | admin) sets what the history tab allows.
"""
import panel as pn

from workbench.config import database_url
from workbench.ui import TITLE, build_app, warm_up

pn.extension("tabulator", notifications=True)
warm_up()
build_app(store_url=database_url()).servable(title=TITLE)
