"""Rebuild the search index from the database, one document type at a time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tqdm import tqdm

from search import index
from search.backends import InvalidSearchBackendError, get_search_backend
from search.services import index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index (cases, statute articles, courses) from the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend",
            default="default",
            help="SEARCH_BACKENDS alias (default: default)",
        )
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            help="Only this document type (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["backend"]
        try:
            get_search_backend(alias)
        except InvalidSearchBackendError as e:
            raise CommandError(str(e)) from e
        types = options["types"] or index.doc_types()
        unknown = sorted(set(types) - set(index.doc_types()))
        if unknown:
            raise CommandError(
                f"Unknown document type(s): {', '.join(unknown)}; known: {', '.join(index.doc_types())}"
            )
        verbosity = int(options["verbosity"])
        # One bar for the whole command: the total of every type, the current type as
        # its description.
        with tqdm(
            total=sum(index.document_count(t) for t in types),
            unit="doc",
            disable=verbosity < 1,
            file=self.stderr,
        ) as bar:
            counts = {}
            for doc_type in types:
                bar.set_description(doc_type)
                counts[doc_type] = index_rebuild(
                    doc_type=doc_type, backend_alias=alias, progress=bar.update
                )
        if verbosity >= 1:
            for doc_type, count in counts.items():
                self.stdout.write(f"{doc_type}: {count} documents indexed")
