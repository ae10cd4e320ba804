"""How much of CAIL2018 the knowledge base's element analyses cover.

    .venv/bin/python bench/charge_coverage.py [--split train] [--top 15]

Counts the charges and 治安 violations with an element analysis in the demo content
(``casebank/demo_content/charges.py``) and the share of the CAIL2018 cases of the split
whose accusations are *all* among them (an accusation maps to a charge name the way the
importer maps it, ``cail_charge_name``; an analysis's ``aliases`` — the former names CAIL2018
still uses, and its label for a section — count as its name), then lists the most frequent accusations not yet
covered. Reads ``$SHARED_DATA_DIR`` (default ``../shared/data``); no database.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SHARED_DATA_DIR", ROOT / ".." / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train", help="CAIL2018 split (file stem)")
    parser.add_argument(
        "--top", type=int, default=15, help="uncovered accusations shown"
    )
    args = parser.parse_args()
    path = DATA / "cail2018" / f"{args.split}.jsonl"
    if not path.exists():
        sys.exit(f"{path} not found: set SHARED_DATA_DIR to the shared data folder")

    # As manage.py: platform/ goes on the path after the root (it must not shadow the
    # standard library's ``platform``).
    for folder in (str(ROOT), str(ROOT / "platform")):
        if folder not in sys.path:
            sys.path.insert(1, folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from casebank.demo_content.charges import CHARGES, CRIM
    from casebank.importers.cases import cail_charge_name

    # An analysis also covers the accusations CAIL2018 labels with a former or dataset
    # name of the same offence (its ``aliases``, e.g. 强制猥亵、侮辱妇女罪 before 2015).
    covered = {name for c in CHARGES for name in (c["name"], *c.get("aliases", ()))}
    criminal = sum(c["kind"] == CRIM for c in CHARGES)
    cases = all_covered = 0
    by_accusation: collections.Counter[str] = collections.Counter()
    for line in path.open(encoding="utf-8"):
        names = {cail_charge_name(a) for a in json.loads(line)["meta"]["accusation"]}
        cases += 1
        all_covered += names <= covered
        by_accusation.update(names)
    hit = sum(n for name, n in by_accusation.items() if name in covered)
    print(
        f"analyses: {len(CHARGES)} ({criminal} charges, {len(CHARGES) - criminal} 治安 violations)"
    )
    print(
        f"CAIL2018 {args.split}: {all_covered}/{cases} cases "
        f"({all_covered / cases:.1%}) have every accusation covered; "
        f"{hit}/{sum(by_accusation.values())} accusation mentions covered"
    )
    print("covered, by cases:")
    for name, n in by_accusation.most_common():
        if name in covered:
            print(f"  {n:5d}  {name}")
    print(f"not covered, top {args.top}:")
    missing = [
        (name, n) for name, n in by_accusation.most_common() if name not in covered
    ]
    for name, n in missing[: args.top]:
        print(f"  {n:5d}  {name}")


if __name__ == "__main__":
    main()
