"""Factories for the case bank: statutes, charges and case pages."""

from __future__ import annotations

import datetime as dt

from wagtail.models import Page

import factory

from casebank.models import (
    Article,
    ArticleVersion,
    CaseIndexPage,
    CasePage,
    Charge,
    GuidelineIndexPage,
    GuidelinePage,
    Law,
    LegalElement,
)
from casebank.references import article_label


class LawFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Law
        django_get_or_create = ("source_id",)

    name = "中华人民共和国刑法"
    short_name = "刑法"
    source_id = factory.LazyAttribute(lambda o: o.name)
    promulgated_on = dt.date(1997, 3, 14)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    law = factory.SubFactory(LawFactory)
    number = factory.Sequence(lambda n: n + 1)
    sub_number = 0
    label = factory.LazyAttribute(lambda o: article_label(o.number, o.sub_number))
    source_id = factory.LazyAttribute(lambda o: f"{o.law.source_id}#{o.label}")


class ArticleVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleVersion

    article = factory.SubFactory(ArticleFactory)
    text = factory.Sequence(lambda n: f"条文内容{n}。")
    effective_from = dt.date(1997, 10, 1)


def article_with_text(
    law: Law, number: int, text: str, sub_number: int = 0, **version
) -> Article:
    """Create an article and its one current version."""
    article = ArticleFactory(law=law, number=number, sub_number=sub_number)
    ArticleVersionFactory(article=article, text=text, **version)
    return article


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试罪{n}")
    source_id = factory.LazyAttribute(lambda o: o.name)
    live = True


class LegalElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalElement

    charge = factory.SubFactory(ChargeFactory)
    kind = "objective"
    title = "客观方面"
    facts = "实施了秘密窃取的行为"
    evidence_guide = "监控录像、被害人陈述"


def case_index() -> CaseIndexPage:
    """Return the case library page, creating it under the site root when missing."""
    existing = CaseIndexPage.objects.first()
    if existing:
        return existing
    root = Page.objects.get(depth=1).get_children().first() or Page.objects.get(depth=1)
    return root.add_child(instance=CaseIndexPage(title="典型案例", slug="cases"))


def guideline_index() -> GuidelineIndexPage:
    existing = GuidelineIndexPage.objects.first()
    if existing:
        return existing
    root = Page.objects.get(depth=1).get_children().first() or Page.objects.get(depth=1)
    return root.add_child(
        instance=GuidelineIndexPage(title="执法指引", slug="guidelines")
    )


def make_case(
    title: str,
    *,
    restricted_units=(),
    cited=(),
    charges=(),
    live: bool = True,
    **fields,
) -> CasePage:
    """Create a case page under the case library (published unless ``live`` is False)."""
    page = CasePage(
        title=title,
        live=live,
        visibility="restricted" if restricted_units else "public",
        **fields,
    )
    case_index().add_child(instance=page)
    if restricted_units:
        page.restricted_units.set(restricted_units)
    if cited:
        page.cited_articles.set(cited)
    if charges:
        page.charges.set(charges)
    page.save()
    if live:
        page.save_revision().publish()
    return CasePage.objects.get(pk=page.pk)


def make_guideline(
    title: str, *, restricted_units=(), cited=(), **fields
) -> GuidelinePage:
    page = GuidelinePage(
        title=title, visibility="restricted" if restricted_units else "public", **fields
    )
    guideline_index().add_child(instance=page)
    if restricted_units:
        page.restricted_units.set(restricted_units)
    if cited:
        page.cited_articles.set(cited)
    page.save()
    page.save_revision().publish()
    return GuidelinePage.objects.get(pk=page.pk)
