"""Create the demo organisation and content on top of ``bootstrap_site``. Each app contributes a ``demo`` module with
``seed(command)`` and an optional ``ORDER`` (default 50; accounts 0 … records' history
last). Safe to run twice: every seeder looks records up by natural keys first. A module with
``STEPS`` seeds in several steps, each at its own order."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo organisation, people and content (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--only", nargs="*", help="app labels to seed (default: all)"
        )

    def handle(self, *args, only: list[str] | None = None, **options) -> None:
        # The empty deployment first (page tree, groups, workflows), then the demo.
        call_command("bootstrap_site", verbosity=options.get("verbosity", 1))
        modules = []
        for config in apps.get_app_configs():
            if only and config.label not in only:
                continue
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is not None:
                modules.append((config.label, import_module(module_name)))
        # A module may seed in several steps (``STEPS``: (order, callable or name)), e.g.
        # a part that needs another app's demo data first.
        steps = []
        for label, module in modules:
            for order, step in getattr(
                module, "STEPS", [(getattr(module, "ORDER", 50), "seed")]
            ):
                steps.append(
                    (order, label, step if callable(step) else getattr(module, step))
                )
        steps.sort(key=lambda s: s[0])
        for _order, label, step in steps:
            self.stdout.write(f"seeding {label} …")
            step(self)
        self.stdout.write(self.style.SUCCESS("demo content ready"))
