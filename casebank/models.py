"""The legal knowledge base: statutes (laws → articles → versions), charges and their legal
elements, typical cases and enforcement guidelines, and "law changed" flags.

An ``Article`` is the stable identity of a provision (刑法 第二百六十四条); its text lives in
``ArticleVersion`` rows with effective dates, so the library can answer "the text in force on
2019-05-01" and so an amendment never rewrites what a case once cited.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import (
    AbstractGroupApprovalTask,
    DraftStateMixin,
    LockableMixin,
    Orderable,
    Page,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from core.workflows import SecondPersonApprovalMixin

from .widgets import ArticleCitationsInput


def content_hash(*parts: str) -> str:
    """Return the SHA-256 hex digest of ``parts`` (whitespace-normalised, joined)."""
    normalised = "\x1f".join(" ".join(str(p).split()) for p in parts)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# Statutes ------------------------------------------------------------------------------


class LawLevel(models.TextChoices):
    CONSTITUTION = "constitution", _("Constitution")
    LAW = "law", _("Law")
    ADMINISTRATIVE_REGULATION = (
        "administrative_regulation",
        _("Administrative regulation"),
    )
    JUDICIAL_INTERPRETATION = "judicial_interpretation", _("Judicial interpretation")
    DEPARTMENTAL_RULE = "departmental_rule", _("Departmental rule")
    LOCAL_REGULATION = "local_regulation", _("Local regulation")
    OTHER = "other", _("Other")


class LawStatus(models.TextChoices):
    CURRENT = "current", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")


class Law(models.Model):
    """A law, regulation or interpretation (法律/法规/司法解释)."""

    name = models.CharField(pgettext_lazy("law", "name"), max_length=255, db_index=True)
    short_name = models.CharField(
        _("short name"), max_length=100, blank=True, db_index=True
    )
    level = models.CharField(
        pgettext_lazy("law", "level"),
        max_length=32,
        choices=LawLevel.choices,
        default=LawLevel.LAW,
    )
    issuing_body = models.CharField(_("issuing body"), max_length=255, blank=True)
    promulgated_on = models.DateField(_("promulgated on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    amended_on = models.DateField(_("last amended on"), null=True, blank=True)
    history = models.TextField(
        _("history"),
        blank=True,
        help_text=_("Adoption and amendment notes, one per line"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LawStatus.choices, default=LawStatus.CURRENT
    )
    source_id = models.CharField(_("source id"), max_length=255, unique=True)
    source_file = models.CharField(_("source file"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("level"),
        FieldPanel("issuing_body"),
        FieldPanel("promulgated_on"),
        FieldPanel("effective_on"),
        FieldPanel("amended_on"),
        FieldPanel("status"),
        FieldPanel("history"),
        FieldPanel("source_id"),
    ]

    class Meta:
        verbose_name = _("law")
        verbose_name_plural = _("laws")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("casebank:law_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        """Return the name as cited in texts: 《中华人民共和国刑法》."""
        return f"《{self.name}》"


class ArticleQuerySet(models.QuerySet):
    def in_order(self) -> ArticleQuerySet:
        return self.order_by("law_id", "number", "sub_number")


class Article(models.Model):
    """One provision of a law (第X条, 第X条之一), stable across text versions.

    Not in Wagtail's search index on purpose: 64k rows would be indexed one signal at a
    time; the admin chooser searches with the ORM and the search app indexes in bulk.
    """

    law = models.ForeignKey(
        Law, verbose_name=_("law"), on_delete=models.CASCADE, related_name="articles"
    )
    label = models.CharField(
        _("label"), max_length=50, help_text=_("As printed, e.g. 第二百六十四条之一")
    )
    number = models.PositiveIntegerField(_("number"))
    sub_number = models.PositiveSmallIntegerField(
        _("sub number"), default=0, help_text=_("之一 = 1, 之二 = 2")
    )
    chapter_path = models.CharField(
        _("chapter path"),
        max_length=500,
        blank=True,
        help_text=_("编 / 章 / 节, separated by ' / '"),
    )
    source_id = models.CharField(_("source id"), max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    panels = [
        FieldPanel("law"),
        FieldPanel("label"),
        FieldPanel("number"),
        FieldPanel("sub_number"),
        FieldPanel("chapter_path"),
        FieldPanel("source_id"),
    ]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["law_id", "number", "sub_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["law", "number", "sub_number"],
                name="casebank_article_unique_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.law.short_name or self.law.name}{self.label}"

    def get_absolute_url(self) -> str:
        return reverse("casebank:article_detail", args=[self.pk])

    @property
    def citation(self) -> str:
        """Return the full citation: 《中华人民共和国刑法》第二百六十四条."""
        return f"{self.law.display_name}{self.label}"

    @property
    def chapters(self) -> list[str]:
        return [part for part in self.chapter_path.split(" / ") if part]

    def current_version(self) -> ArticleVersion | None:
        """Return the version in force today (the open one), else the latest one."""
        return (
            self.version_on(timezone.localdate())
            or self.versions.order_by("-effective_from", "-pk").first()
        )

    def version_on(self, date: dt.date | None) -> ArticleVersion | None:
        """Return the version in force on ``date`` (None when the article did not exist yet).

        A version without ``effective_from`` counts as in force since the beginning; ``None``
        as ``date`` means today.
        """
        date = date or timezone.localdate()
        return (
            self.versions.filter(
                Q(effective_from__isnull=True) | Q(effective_from__lte=date)
            )
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=date))
            .order_by("-effective_from", "-pk")
            .first()
        )

    @property
    def text(self) -> str:
        version = self.current_version()
        return version.text if version else ""


class ArticleVersion(models.Model):
    """The text of an article in force between two dates (``effective_to`` open = current)."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    text = models.TextField(_("text"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    source_id = models.CharField(
        _("source id"), max_length=255, blank=True, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article_id", "effective_from", "pk"]
        indexes = [
            models.Index(
                fields=["article", "effective_to"], name="casebank_av_open_idx"
            )
        ]

    def __str__(self) -> str:
        start = self.effective_from.isoformat() if self.effective_from else "…"
        end = self.effective_to.isoformat() if self.effective_to else ""
        return f"{self.article} [{start}–{end}]"

    def save(self, *args, **kwargs) -> None:
        if not self.content_hash:
            self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)

    def is_in_force_on(self, date: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= date) and (
            self.effective_to is None or date <= self.effective_to
        )


# Charges and legal elements --------------------------------------------------------------


class ChargeKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal charge")
    ADMINISTRATIVE = "administrative", _("Public security violation")


class ChargeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ABOLISHED = "abolished", _("Abolished")


class Charge(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel
):
    """A criminal charge (罪名) or a public-security violation (治安违法行为) with its elements.

    Drafts and revisions live in Wagtail's revision table: the row itself always holds the
    published content, so readers never see an unreviewed element analysis.
    """

    name = models.CharField(
        pgettext_lazy("charge", "name"), max_length=100, unique=True
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=ChargeKind.choices,
        default=ChargeKind.CRIMINAL,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ChargeStatus.choices,
        default=ChargeStatus.ACTIVE,
    )
    articles = ParentalManyToManyField(
        Article, verbose_name=_("articles"), related_name="charges", blank=True
    )
    article_refs = models.CharField(
        _("article references"),
        max_length=255,
        blank=True,
        help_text=_("As given by the source, e.g. 第103条第1款"),
    )
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("Definition in one or two sentences")
    )
    sentencing = models.TextField(_("sentencing and thresholds"), blank=True)
    distinctions = models.TextField(_("distinctions from similar charges"), blank=True)
    source_id = models.CharField(_("source id"), max_length=255, unique=True)
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="casebank_charge",
        for_concrete_model=False,
    )
    _revisions = GenericRelation(
        "wagtailcore.Revision", related_query_name="casebank_charge"
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("status"),
        FieldPanel("articles", widget=ArticleCitationsInput),
        FieldPanel("article_refs"),
        FieldPanel("summary"),
        FieldPanel("sentencing"),
        FieldPanel("distinctions"),
        InlinePanel("elements", label=_("Legal elements")),
        FieldPanel("source_id"),
    ]

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):
        return self._revisions

    def get_absolute_url(self) -> str:
        return reverse("casebank:charge_detail", args=[self.pk])

    @property
    def has_elements(self) -> bool:
        return self.elements.exists()


class ElementKind(models.TextChoices):
    # 犯罪构成四要件; administrative violations use the same four headings (侵害客体,
    # 违法行为, 违法主体, 主观过错), so one vocabulary serves both.
    OBJECT = "object", _("Object (客体)")
    OBJECTIVE = "objective", _("Objective aspect (客观方面)")
    SUBJECT = "subject", _("Subject (主体)")
    SUBJECTIVE = "subjective", _("Subjective aspect (主观方面)")
    OTHER = "other", _("Other")


class LegalElement(Orderable):
    """One constituent element of a charge: the facts that establish it, the evidence that
    proves it, and the mistakes made in handling."""

    charge = ParentalKey(
        Charge,
        verbose_name=_("charge"),
        on_delete=models.CASCADE,
        related_name="elements",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ElementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    facts = models.TextField(_("facts to establish"), blank=True)
    evidence_guide = models.TextField(_("evidence guide"), blank=True)
    common_mistakes = models.TextField(_("common mistakes"), blank=True)

    panels = [
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("facts"),
        FieldPanel("evidence_guide"),
        FieldPanel("common_mistakes"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("legal element")
        verbose_name_plural = _("legal elements")

    def __str__(self) -> str:
        return f"{self.charge.name}·{self.get_kind_display()}"

    @property
    def kind_label(self) -> str:
        """Return the heading appropriate for the charge's kind (crime or violation)."""
        if self.charge.kind == ChargeKind.ADMINISTRATIVE:
            return str(
                ADMINISTRATIVE_ELEMENT_LABELS.get(self.kind, self.get_kind_display())
            )
        return str(CRIMINAL_ELEMENT_LABELS.get(self.kind, self.get_kind_display()))


CRIMINAL_ELEMENT_LABELS: dict[str, str] = {
    ElementKind.OBJECT: "犯罪客体",
    ElementKind.OBJECTIVE: "犯罪客观方面",
    ElementKind.SUBJECT: "犯罪主体",
    ElementKind.SUBJECTIVE: "犯罪主观方面",
    ElementKind.OTHER: "其他",
}
ADMINISTRATIVE_ELEMENT_LABELS: dict[str, str] = {
    ElementKind.OBJECT: "侵害客体",
    ElementKind.OBJECTIVE: "违法行为",
    ElementKind.SUBJECT: "违法主体",
    ElementKind.SUBJECTIVE: "主观过错",
    ElementKind.OTHER: "其他",
}


# Cases and guidelines ---------------------------------------------------------------------


class Visibility(models.TextChoices):
    PUBLIC = "public", _("All officers")
    RESTRICTED = "restricted", _("Restricted to named units")


class CaseKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal")
    ADMINISTRATIVE = "administrative", _("Administrative")


class CaseLevel(models.TextChoices):
    GUIDING = "guiding", _("Guiding case")
    TYPICAL = "typical", _("Typical case")
    REFERENCE = "reference", _("Reference case")


class CaseIndexPage(Page):
    """The case library (典型案例库): lists the cases the reader may see."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["casebank.CasePage"]
    max_count = 1

    class Meta:
        verbose_name = _("case library")

    def get_context(self, request, *args, **kwargs):
        from .selectors import case_list

        context = super().get_context(request, *args, **kwargs)
        context.update(case_list(user=request.user, params=request.GET))
        return context


class CasePage(Page):
    """A typical case: facts, handling, outcome, key points, lessons, charges, cited articles,
    element-by-element analysis and evidence. ``visibility`` restricts it to named units."""

    case_number = models.CharField(
        _("case number"), max_length=100, blank=True, db_index=True
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=CaseKind.choices, default=CaseKind.CRIMINAL
    )
    level = models.CharField(
        pgettext_lazy("case", "level"),
        max_length=16,
        choices=CaseLevel.choices,
        default=CaseLevel.TYPICAL,
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    case_date = models.DateField(_("case date"), null=True, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Separated by 、 or commas"),
    )
    summary = models.TextField(_("summary"), blank=True)
    facts = models.TextField(_("facts"), blank=True)
    handling_process = models.TextField(_("handling process"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    key_points = models.TextField(
        _("key points"), blank=True, help_text=_("执法要点 / 裁判要点")
    )
    problems = models.TextField(_("problems found in handling"), blank=True)
    lessons = models.TextField(pgettext_lazy("case", "lessons"), blank=True)
    reasoning = models.TextField(_("reasoning"), blank=True)
    evidence_list = models.TextField(
        _("evidence list"), blank=True, help_text=_("One item per line")
    )
    charges = ParentalManyToManyField(
        Charge, verbose_name=_("charges"), related_name="cases", blank=True
    )
    cited_articles = ParentalManyToManyField(
        Article,
        verbose_name=_("cited articles"),
        related_name="cited_by_cases",
        blank=True,
    )
    related_cases = ParentalManyToManyField(
        "self",
        verbose_name=_("related cases"),
        blank=True,
        symmetrical=False,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        db_index=True,
    )
    restricted_units = ParentalManyToManyField(
        "accounts.Unit",
        verbose_name=_("restricted to units"),
        related_name="restricted_cases",
        blank=True,
    )
    source_id = models.CharField(
        _("source id"), max_length=255, blank=True, db_index=True
    )
    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, db_index=True
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("case_number"),
                FieldPanel("kind"),
                FieldPanel("level"),
                FieldPanel("source"),
                FieldPanel("case_date"),
                FieldPanel("keywords"),
            ],
            heading=_("Case"),
        ),
        FieldPanel("summary"),
        FieldPanel("facts"),
        FieldPanel("handling_process"),
        FieldPanel("outcome"),
        FieldPanel("key_points"),
        FieldPanel("problems"),
        FieldPanel("lessons"),
        FieldPanel("reasoning"),
        FieldPanel("charges"),
        FieldPanel("cited_articles", widget=ArticleCitationsInput),
        InlinePanel("element_analyses", label=_("Element analysis")),
        FieldPanel("evidence_list"),
        FieldPanel("related_cases"),
        MultiFieldPanel(
            [FieldPanel("visibility"), FieldPanel("restricted_units")],
            heading=_("Visibility"),
        ),
        FieldPanel("source_id"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("case_number"),
        index.SearchField("keywords", boost=2),
        index.SearchField("summary"),
        index.SearchField("facts"),
        index.SearchField("key_points"),
        index.SearchField("outcome"),
        index.FilterField("kind"),
        index.FilterField("level"),
        index.FilterField("visibility"),
    ]
    parent_page_types = ["casebank.CaseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    @property
    def keyword_list(self) -> list[str]:
        import re

        return [k for k in re.split(r"[、,，;；\s]+", self.keywords) if k]

    @property
    def key_point_line(self) -> str:
        """The case's point in one line (裁判要旨 / 执法要点), for result lists: the first
        line of the key points (or of the summary), at most 80 characters."""
        for text in (self.key_points, self.summary):
            line = next((s.strip() for s in (text or "").splitlines() if s.strip()), "")
            if line:
                return line if len(line) <= 80 else line[:79] + "…"
        return ""

    @property
    def evidence_items(self) -> list[str]:
        return [
            line.strip() for line in self.evidence_list.splitlines() if line.strip()
        ]

    @property
    def restricted_unit_ids(self) -> list[int]:
        return list(self.restricted_units.values_list("pk", flat=True))

    def cited_versions(self) -> list[tuple[Article, ArticleVersion | None]]:
        """Return each cited article with the version in force on the case date."""
        # .all() and sorting in Python: on a revision being previewed these are
        # modelcluster's in-memory querysets, which do not support every queryset method.
        articles = sorted(
            self.cited_articles.all(), key=lambda a: (a.law_id, a.number, a.sub_number)
        )
        return [
            (
                article,
                article.version_on(self.case_date)
                if self.case_date
                else article.current_version(),
            )
            for article in articles
        ]

    def serve(self, request, *args, **kwargs):
        from django.http import Http404

        from .selectors import case_is_visible_to, restricted_page_ids_hidden_from

        if getattr(request, "is_preview", False):
            # Editors and reviewers preview drafts from the admin (which checks their page
            # permissions); only the unit restriction still applies.
            if self.pk in restricted_page_ids_hidden_from(request.user):
                raise Http404
        elif not case_is_visible_to(request.user, self):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            from audit.services import audit_log

            audit_log(
                action="casebank.case.view",
                request=request,
                target=self,
                result="denied",
            )
            # 404, not 403: a restricted case does not exist for people outside it.
            raise Http404
        _audit_restricted_read(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import case_queryset_visible_to

        context = super().get_context(request, *args, **kwargs)
        context["cited"] = self.cited_versions()
        context["analyses"] = list(self.element_analyses.all())
        context["charge_list"] = list(self.charges.all())
        context["related"] = case_queryset_visible_to(request.user).filter(
            pk__in=[case.pk for case in self.related_cases.all()]
        )
        context["open_flags"] = LawChangeFlag.objects.for_object(self).filter(
            status=FlagStatus.OPEN
        )
        return context


def _audit_restricted_read(request, page) -> None:
    """Audit a successful read of restricted material on the site (the admin's previews
    are audited by ``casebank.permissions.RestrictedAdminPagesMiddleware``)."""
    if page.visibility != Visibility.RESTRICTED or getattr(
        request, "is_preview", False
    ):
        return
    from audit.services import audit_log

    audit_log(
        action="casebank.restricted_read",
        request=request,
        target=page,
        details={"view": "site"},
    )


class CaseElementAnalysis(Orderable):
    """How the facts of a case meet one legal element (要件分析)."""

    page = ParentalKey(
        CasePage, on_delete=models.CASCADE, related_name="element_analyses"
    )
    element = models.ForeignKey(
        LegalElement,
        verbose_name=_("legal element"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_analyses",
    )
    heading = models.CharField(
        _("heading"),
        max_length=200,
        blank=True,
        help_text=_("Used when no element is chosen"),
    )
    analysis = models.TextField(_("how the facts meet the element"))
    evidence = models.TextField(_("evidence relied on"), blank=True)

    panels = [
        FieldPanel("element"),
        FieldPanel("heading"),
        FieldPanel("analysis"),
        FieldPanel("evidence"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("element analysis")

    def __str__(self) -> str:
        return self.display_heading

    @property
    def display_heading(self) -> str:
        if self.element is not None:
            return f"{self.element.charge.name}·{self.element.kind_label}"
        return self.heading


class GuidelineCategory(models.TextChoices):
    STANDARD = "standard", _("Enforcement standard (执法标准)")
    RULES = "rules", _("Enforcement rules (执法细则)")
    PRACTICE = "practice", _("Practical guide (实战指引)")


class GuidelineIndexPage(Page):
    """The enforcement guidelines (执法指引) library."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["casebank.GuidelinePage"]
    max_count = 1

    class Meta:
        verbose_name = _("guideline library")

    def get_context(self, request, *args, **kwargs):
        from .selectors import guideline_queryset_visible_to

        context = super().get_context(request, *args, **kwargs)
        guidelines = guideline_queryset_visible_to(request.user).order_by(
            "category", "title"
        )
        category = request.GET.get("category")
        if category in GuidelineCategory.values:
            guidelines = guidelines.filter(category=category)
        context["guidelines"] = guidelines
        context["categories"] = GuidelineCategory.choices
        context["category"] = category
        return context


class GuidelinePage(Page):
    """An enforcement standard, rule set or practical guide (接处警, 受案立案, 涉案财物 ...)."""

    category = models.CharField(
        _("category"),
        max_length=16,
        choices=GuidelineCategory.choices,
        default=GuidelineCategory.PRACTICE,
    )
    topic = models.CharField(
        _("topic"), max_length=100, blank=True, help_text=_("e.g. 接处警, 受案立案")
    )
    police_types = models.CharField(
        _("police types"),
        max_length=200,
        blank=True,
        help_text=_("警种, e.g. 治安、刑侦"),
    )
    posts = models.CharField(
        _("posts"),
        max_length=200,
        blank=True,
        help_text=_("岗位, e.g. 值班民警、办案民警"),
    )
    issuing_unit = models.CharField(_("issuing unit"), max_length=200, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True)
    cited_articles = ParentalManyToManyField(
        Article,
        verbose_name=_("cited articles"),
        related_name="cited_by_guidelines",
        blank=True,
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        db_index=True,
    )
    restricted_units = ParentalManyToManyField(
        "accounts.Unit",
        verbose_name=_("restricted to units"),
        related_name="restricted_guidelines",
        blank=True,
    )
    source_id = models.CharField(
        _("source id"), max_length=255, blank=True, db_index=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("category"),
        FieldPanel("topic"),
        FieldPanel("police_types"),
        FieldPanel("posts"),
        FieldPanel("issuing_unit"),
        FieldPanel("effective_on"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("cited_articles", widget=ArticleCitationsInput),
        MultiFieldPanel(
            [FieldPanel("visibility"), FieldPanel("restricted_units")],
            heading=_("Visibility"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("topic", boost=2),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("visibility"),
    ]
    parent_page_types = ["casebank.GuidelineIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("guideline")
        verbose_name_plural = _("guidelines")

    def serve(self, request, *args, **kwargs):
        from django.http import Http404

        from .selectors import guideline_is_visible_to, restricted_page_ids_hidden_from

        if getattr(request, "is_preview", False):
            if self.pk in restricted_page_ids_hidden_from(request.user):
                raise Http404
        elif not guideline_is_visible_to(request.user, self):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            raise Http404
        _audit_restricted_read(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cited"] = [
            (a, a.current_version())
            for a in sorted(
                self.cited_articles.all(),
                key=lambda a: (a.law_id, a.number, a.sub_number),
            )
        ]
        context["open_flags"] = LawChangeFlag.objects.for_object(self).filter(
            status=FlagStatus.OPEN
        )
        from .reading import guideline_reading_get

        context["reading"] = guideline_reading_get(user=request.user, guideline=self)
        return context


# Amendment awareness ---------------------------------------------------------------------


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Law changed, review")
    RESOLVED = "resolved", _("Reviewed")


class LawChangeFlagQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> LawChangeFlagQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(
                obj, for_concrete_model=False
            ),
            object_id=str(obj.pk),
        )

    def open(self) -> LawChangeFlagQuerySet:
        return self.filter(status=FlagStatus.OPEN)


class LawChangeFlag(models.Model):
    """ "Law changed, review": ``citer`` cites an article whose text was replaced."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="change_flags",
    )
    old_version = models.ForeignKey(
        ArticleVersion,
        verbose_name=_("old version"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
    )
    new_version = models.ForeignKey(
        ArticleVersion,
        verbose_name=_("new version"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    citer = GenericForeignKey("content_type", "object_id")
    citer_title = models.CharField(_("citing item"), max_length=255)
    citer_url = models.CharField(_("link"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="law_change_flags",
    )
    diff = models.TextField(_("diff"))
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LawChangeFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("law change flag")
        verbose_name_plural = _("law change flags")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "new_version"],
                name="casebank_flag_once_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.citer_title}: {self.article}"


# Review --------------------------------------------------------------------------------


class CasebankReviewTask(SecondPersonApprovalMixin, AbstractGroupApprovalTask):
    """Group approval by a second person: whoever submitted a case, guideline or element
    analysis for review cannot approve it, even when they belong to a reviewing group."""

    class Meta:
        verbose_name = _("case bank review (second person)")
        verbose_name_plural = _("case bank reviews (second person)")

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups, other than the submitter, approve the change"
        )


# Enforcement problems (执法问题) -----------------------------------------------------------


class ProblemCategory(models.TextChoices):
    """The controlled list of enforcement problem categories (执法问题类别)."""

    ACCEPTANCE = "acceptance", _("Case acceptance and filing")
    EVIDENCE = "evidence", _("Evidence collection")
    COERCIVE = "coercive", _("Coercive measures")
    PROPERTY = "property", _("Property involved in the case")
    LAW_APPLICATION = "law_application", _("Application of law")
    PROCEDURE = "procedure", _("Procedural violation")
    DOCUMENTS = "documents", _("Legal documents")
    RECORDING = "recording", _("Enforcement audio and video recording")
    OTHER = "other", _("Other enforcement problems")


class ProblemSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    GRAVE = "grave", _("Grave")


# How much one problem of each severity weighs in the evaluation (docs/evaluation.md).
SEVERITY_WEIGHTS: dict[str, int] = {
    ProblemSeverity.MINOR: 1,
    ProblemSeverity.SERIOUS: 2,
    ProblemSeverity.GRAVE: 3,
}


class ProblemSource(models.TextChoices):
    REVIEW = "review", _("Case review")
    INSPECTION = "inspection", _("Supervision campaign")


class EnforcementProblemQuerySet(models.QuerySet):
    def in_units(self, units) -> EnforcementProblemQuerySet:
        """Problems recorded against any of ``units`` (a queryset of units)."""
        return self.filter(unit__in=units)

    def in_year(self, year: int) -> EnforcementProblemQuerySet:
        return self.filter(found_on__year=year)


class EnforcementProblem(models.Model):
    """A problem found in a case's handling (执法问题), recorded against a unit and, where
    the fault is one person's, that person. Written only through ``casebank.services``."""

    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="enforcement_problems",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enforcement_problems",
    )
    category = models.CharField(
        _("category"), max_length=20, choices=ProblemCategory.choices, db_index=True
    )
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=ProblemSeverity.choices,
        default=ProblemSeverity.MINOR,
    )
    articles = models.ManyToManyField(
        Article,
        verbose_name=_("articles involved"),
        related_name="enforcement_problems",
        blank=True,
    )
    articles_text = models.CharField(
        _("articles as written"), max_length=500, blank=True
    )
    case_reference = models.CharField(_("case reference"), max_length=200, blank=True)
    case_page = models.ForeignKey(
        CasePage,
        verbose_name=_("case in the case bank"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enforcement_problems",
    )
    description = models.TextField(_("description"))
    found_on = models.DateField(_("date found"), db_index=True)
    source = models.CharField(
        _("found by"),
        max_length=20,
        choices=ProblemSource.choices,
        default=ProblemSource.REVIEW,
    )
    campaign = models.CharField(_("supervision campaign"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = EnforcementProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("enforcement problem")
        verbose_name_plural = _("enforcement problems")
        ordering = ["-found_on", "-id"]
        indexes = [
            # Covering the evaluation's counts by unit (or person) and severity.
            models.Index(
                fields=["unit", "found_on", "severity"], name="problem_unit_date"
            ),
            models.Index(
                fields=["person", "found_on", "severity"], name="problem_person_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.found_on} {self.get_category_display()} · {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("casebank:problem_detail", args=[self.pk])

    @property
    def severity_weight(self) -> int:
        return SEVERITY_WEIGHTS[ProblemSeverity(self.severity)]


class CaseVolume(models.Model):
    """The number of cases a unit handled in a year (受理案件数), the denominator of
    "problems per 100 cases". Entered by the unit admin or imported with the problems."""

    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.CASCADE, related_name="case_volumes"
    )
    year = models.PositiveIntegerField(_("year"))
    cases_handled = models.PositiveIntegerField(_("cases handled"))

    class Meta:
        verbose_name = _("cases handled")
        verbose_name_plural = _("cases handled")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], name="uniq_case_volume_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.cases_handled}"


class ProblemRemediation(models.Model):
    """Learning assigned to put a problem right (整改培训): one training-record assignment.

    Written by the courses app when a problem is recorded (``problem_recorded``); the
    status is read from the assignment, so it changes the moment the course completes.
    """

    problem = models.ForeignKey(
        EnforcementProblem, on_delete=models.CASCADE, related_name="remediations"
    )
    assignment = models.ForeignKey(
        "records.Assignment", on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("remedial training")
        verbose_name_plural = _("remedial training")
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "assignment"], name="uniq_problem_remediation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.assignment_id}"

    @property
    def completed(self) -> bool:
        return self.assignment.status == "completed"

    @property
    def on_time(self) -> bool:
        done = self.assignment.completed_at
        return self.completed and done is not None and done <= self.due_at


class RemediationState(models.TextChoices):
    NONE = "none", _("No training mapped")
    OPEN = "open", _("Training assigned")
    OVERDUE = "overdue", _("Training overdue")
    CLOSED = "closed", _("Put right (training completed)")


def remediation_state(remediations, now=None) -> str:
    """Return the ``RemediationState`` of a problem from its remediations (a list):
    closed when every assigned course is completed, overdue when one is past due."""
    if not remediations:
        return RemediationState.NONE
    if all(r.completed for r in remediations):
        return RemediationState.CLOSED
    now = now or timezone.now()
    if any(not r.completed and r.due_at < now for r in remediations):
        return RemediationState.OVERDUE
    return RemediationState.OPEN


# Amendments entered in pages ----------------------------------------------------------------


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ArticleAmendment(models.Model):
    """A new text of an article entered by a legal officer; a second legal officer's
    approval records it as a version (as ``import_statutes`` would) and flags its citers."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="amendments",
    )
    text = models.TextField(_("new text"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("e.g. 刑法修正案（十二）, 2023-12-29 全国人大常委会"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    version = models.ForeignKey(
        ArticleVersion,
        verbose_name=_("version created"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flags_created = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article amendment")
        verbose_name_plural = _("article amendments")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.article} ({self.effective_from})"
