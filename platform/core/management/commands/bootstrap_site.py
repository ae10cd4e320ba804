"""Prepare an empty production deployment: the site, its page tree, the role groups and
their permissions, and the review workflows. No demo people or content.

Each app contributes a ``bootstrap`` module with ``bootstrap(command)`` and an optional
``ORDER`` (default 50), as ``seed_demo`` does with ``demo`` modules; ``seed_demo`` runs
this first. Idempotent: every step looks its records up first.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create the site's page tree (case library, guideline library, course "
        "catalogue), role groups, permissions and review workflows for an empty "
        "deployment, without demo content (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", nargs="*", help="app labels to bootstrap (default: all)"
        )

    def handle(self, *args: Any, only: list[str] | None = None, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        modules = []
        for config in apps.get_app_configs():
            if only and config.label not in only:
                continue
            module_name = f"{config.name}.bootstrap"
            if find_spec(module_name) is not None:
                modules.append((config.label, import_module(module_name)))
        modules.sort(key=lambda pair: getattr(pair[1], "ORDER", 50))
        with transaction.atomic():
            for _label, module in modules:
                module.bootstrap(self)
        if self.verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("站点已就绪（未创建演示数据）"))
