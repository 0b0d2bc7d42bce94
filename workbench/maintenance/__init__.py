"""The criteria maintainers' operations, above the data they change and the model they carry over.

``taxonomy/`` is data (revisions, KSIC) and sits below ``schema/`` and ``recommend/``; what a maintainer does
with it reads records and models too, so it lives here: ``reembed.py`` (carry a trained model over to a new
revision), ``official.py`` (replace provisional item codes by the official code table) and ``commands.py``
(``workbench taxonomy diff | reembed | import-codes``, registered by ``workbench/cli.py``).
"""
