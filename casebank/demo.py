"""Demo content for the case bank: the statute articles the demo cites (as the law reads,
with dates), 32 charges and violations with their element analysis, 21 typical cases (one
restricted to 东城分局), 4 enforcement guidelines, and the review workflow.

Idempotent: laws by name, articles by (law, number), charges by name, pages by slug.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from wagtail.models import Page, Site

from accounts.models import Unit, User

from .bootstrap import libraries_setup
from .demo_content.cases import CASES
from .demo_content.charges import CHARGES
from .demo_content.guidelines import GUIDELINES
from .demo_content.statutes import EARLIER_VERSIONS, LAWS, articles
from .models import (
    Article,
    ArticleVersion,
    CaseIndexPage,
    CasePage,
    Charge,
    ElementKind,
    GuidelineIndexPage,
    GuidelinePage,
    Law,
    LegalElement,
    content_hash,
)
from .services import casebank_review_setup

ORDER = 10


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def seed_statutes() -> dict[tuple[str, str], Article]:
    """Create the demo laws and articles; return {(short name, label): article}."""
    laws: dict[str, Law] = {}
    ends: dict[str, dt.date | None] = {}
    for data in LAWS:
        data = dict(data)
        ends[data["name"]] = _date(data.pop("versions_end", None))
        law, _ = Law.objects.get_or_create(
            source_id=data["name"], defaults={"name": data["name"]}
        )
        for field in ("short_name", "level", "issuing_body", "status", "history"):
            setattr(law, field, data[field])
        for field in ("promulgated_on", "effective_on", "amended_on"):
            setattr(law, field, _date(data[field]))
        law.save()
        laws[data["name"]] = law
    found: dict[tuple[str, str], Article] = {}
    for data in articles():
        law = laws[data["law"]]
        article, _ = Article.objects.get_or_create(
            law=law,
            number=data["number"],
            sub_number=data["sub_number"],
            defaults={
                "label": data["label"],
                "chapter_path": data["chapter_path"],
                "source_id": content_hash(law.name, data["label"], data["text"]),
            },
        )
        digest = content_hash(data["text"])
        if not article.versions.filter(content_hash=digest).exists():
            ArticleVersion.objects.create(
                article=article,
                text=data["text"],
                effective_from=_date(data["effective_from"]),
                effective_to=ends[law.name],
                content_hash=digest,
                source_id=article.source_id,
            )
        found[(law.short_name, data["label"])] = article
    for data in EARLIER_VERSIONS:
        law = laws[data["law"]]
        article = found[(law.short_name, data["label"])]
        digest = content_hash(data["text"])
        if not article.versions.filter(content_hash=digest).exists():
            ArticleVersion.objects.create(
                article=article,
                text=data["text"],
                effective_from=_date(data["effective_from"]),
                effective_to=_date(data["effective_to"]),
                content_hash=digest,
            )
    return found


def seed_charges(
    articles_by_label: dict[tuple[str, str], Article],
) -> dict[str, Charge]:
    charges: dict[str, Charge] = {}
    for data in CHARGES:
        charge = Charge.objects.filter(name=data["name"]).first()
        if charge is None:
            charge = Charge(
                name=data["name"], source_id=content_hash(data["name"]), live=True
            )
        charge.kind = data["kind"]
        charge.summary = data["summary"]
        charge.sentencing = data["sentencing"]
        charge.distinctions = data["distinctions"]
        linked = [articles_by_label[key] for key in data["articles"]]
        if not charge.article_refs:
            charge.article_refs = "、".join(
                f"{law}{label}" for law, label in data["articles"]
            )
        existing = list(charge.articles.all()) if charge.pk else []
        charge.articles.set([*existing, *[a for a in linked if a not in existing]])
        charge.save()
        if not charge.elements.exists():
            for order, element in enumerate(data["elements"]):
                LegalElement.objects.create(charge=charge, sort_order=order, **element)
        charges[charge.name] = charge
    return charges


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _indexes(home: Page) -> tuple[CaseIndexPage, GuidelineIndexPage]:
    return libraries_setup(home)


def seed_cases(
    index: CaseIndexPage,
    charges: dict[str, Charge],
    articles_by_label,
    owner: User | None,
) -> int:
    created = 0
    elements = {
        (e.charge.name, e.kind): e
        for e in LegalElement.objects.select_related("charge")
    }
    for number, data in enumerate(CASES, start=1):
        slug = f"demo-case-{number:02d}"
        if CasePage.objects.filter(slug=slug).exists():
            continue
        page = CasePage(
            title=data["title"],
            slug=slug,
            owner=owner,
            case_number=data["case_number"],
            kind=data["kind"],
            level=data["level"],
            source=data["source"],
            case_date=_date(data["case_date"]),
            keywords=data["keywords"],
            summary=data["summary"],
            facts=data["facts"],
            handling_process=data["handling_process"],
            outcome=data["outcome"],
            key_points=data["key_points"],
            problems=data["problems"],
            lessons=data["lessons"],
            evidence_list=data["evidence_list"],
            source_id=f"demo:{slug}",
            visibility="restricted" if data.get("restricted_to") else "public",
        )
        page.charges = [charges[name] for name in data["charges"] if name in charges]
        page.cited_articles = [articles_by_label[key] for key in data["cited"]]
        page.restricted_units = list(
            Unit.objects.filter(code__in=data.get("restricted_to", []))
        )
        from .models import CaseElementAnalysis

        page.element_analyses = [
            CaseElementAnalysis(
                element=elements.get((a["charge"], a["kind"])),
                heading=""
                if (a["charge"], a["kind"]) in elements
                else f"{a['charge']}·{ElementKind(a['kind']).label}",
                analysis=a["analysis"],
                evidence=a["evidence"],
                sort_order=i,
            )
            for i, a in enumerate(data["analyses"])
        ]
        index.add_child(instance=page)
        _publish(page)
        created += 1
    # Related cases: cases sharing a charge point at each other (up to three).
    pages = list(
        CasePage.objects.filter(slug__startswith="demo-case-").prefetch_related(
            "charges"
        )
    )
    for page in pages:
        if page.related_cases.exists():
            continue
        mine = {c.pk for c in page.charges.all()}
        related = [
            p
            for p in pages
            if p.pk != page.pk and mine & {c.pk for c in p.charges.all()}
        ][:3]
        if related:
            page.related_cases = related
            page.save_revision().publish()
    return created


def seed_guidelines(
    index: GuidelineIndexPage, articles_by_label, owner: User | None
) -> int:
    created = 0
    for number, data in enumerate(GUIDELINES, start=1):
        slug = f"demo-guideline-{number:02d}"
        if GuidelinePage.objects.filter(slug=slug).exists():
            continue
        page = GuidelinePage(
            title=data["title"],
            slug=slug,
            owner=owner,
            category=data["category"],
            topic=data["topic"],
            police_types=data["police_types"],
            posts=data["posts"],
            issuing_unit=data["issuing_unit"],
            effective_on=_date(data["effective_on"]),
            summary=data["summary"],
            body=data["body"],
            source_id=f"demo:{slug}",
        )
        page.cited_articles = [articles_by_label[key] for key in data["cited"]]
        index.add_child(instance=page)
        _publish(page)
        created += 1
    return created


@transaction.atomic
def seed(command: Any = None) -> None:
    site = Site.objects.filter(is_default_site=True).first()
    home = site.root_page if site else Page.objects.get(depth=1).get_children().first()
    articles_by_label = seed_statutes()
    charges = seed_charges(articles_by_label)
    case_index, guideline_index = _indexes(home)
    owner = User.objects.filter(username="legal1").first()
    cases = seed_cases(case_index, charges, articles_by_label, owner)
    guidelines = seed_guidelines(guideline_index, articles_by_label, owner)
    casebank_review_setup(sections=[case_index, guideline_index])
    if command is not None:
        command.stdout.write(
            f"casebank: {len(articles_by_label)} articles, {len(charges)} charges, "
            f"{cases} new cases, {guidelines} new guidelines"
        )
