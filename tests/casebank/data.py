"""Where the shared public data lives (``SHARED_DATA_DIR``, default ../shared/data)."""

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get(
        "SHARED_DATA_DIR",
        Path(__file__).resolve().parents[2] / ".." / "shared" / "data",
    )
)
LAWS = SHARED_DATA / "laws"
CORE_ARTICLES = LAWS / "core_articles.jsonl"
CHARGE_TABLE = LAWS / "charge_article_table.jsonl"
CAIL_TRAIN = SHARED_DATA / "cail2018" / "train.jsonl"
GUIDING = SHARED_DATA / "cases" / "spc_guiding_cases.jsonl"
