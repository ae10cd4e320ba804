"""Where the public data lives, and the small fixtures cut from it.

``SHARED_DATA`` is ``$SHARED_DATA_DIR`` or ``../shared/data`` beside the checkout; a fresh
clone has none. Tests that need the full sets are marked ``@pytest.mark.data`` and skip
when it is absent (tests/conftest.py says so in one line); the others read ``FIXTURES``,
a few laws, cases and questions cut from the same sets (tests/fixtures/README.md).
"""

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
LAWBENCH = SHARED_DATA / "questions" / "lawbench_3-6_case_mcq.json"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_CORE_ARTICLES = FIXTURES / "laws" / "core_articles.jsonl"
FIXTURE_CHARGE_TABLE = FIXTURES / "laws" / "charge_article_table.jsonl"
FIXTURE_CAIL_TRAIN = FIXTURES / "cail2018" / "train.jsonl"
FIXTURE_GUIDING = FIXTURES / "cases" / "spc_guiding_cases.jsonl"
FIXTURE_LAWBENCH = FIXTURES / "questions" / "lawbench_3-6_case_mcq.json"


def shared_data_present() -> bool:
    """Say whether the public data folder is there (its laws and CAIL2018 cases)."""
    return CORE_ARTICLES.exists() and CAIL_TRAIN.exists()
