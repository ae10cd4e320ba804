"""API representations of statutes, charges and cases."""

from __future__ import annotations

from rest_framework import serializers

from .models import (
    Article,
    ArticleVersion,
    CaseElementAnalysis,
    CasePage,
    Charge,
    Law,
    LegalElement,
)


class LawSerializer(serializers.ModelSerializer):
    article_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Law
        fields = [
            "id",
            "name",
            "short_name",
            "level",
            "issuing_body",
            "promulgated_on",
            "effective_on",
            "amended_on",
            "status",
            "source_id",
            "article_count",
        ]


class ArticleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleVersion
        fields = [
            "id",
            "text",
            "effective_from",
            "effective_to",
            "content_hash",
            "source_id",
        ]


class ArticleSerializer(serializers.ModelSerializer):
    law = serializers.SerializerMethodField()
    citation = serializers.CharField(read_only=True)
    version = serializers.SerializerMethodField(
        help_text="The version in force on ?date= (default: today)"
    )
    versions = ArticleVersionSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "law",
            "label",
            "number",
            "sub_number",
            "chapter_path",
            "citation",
            "source_id",
            "version",
            "versions",
            "url",
        ]

    def get_law(self, obj) -> dict:
        return {
            "id": obj.law_id,
            "name": obj.law.name,
            "short_name": obj.law.short_name,
        }

    def get_version(self, obj) -> dict | None:
        date = self.context.get("date")
        version = obj.version_on(date) if date else obj.current_version()
        return ArticleVersionSerializer(version).data if version else None


class ArticleBriefSerializer(serializers.ModelSerializer):
    citation = serializers.CharField(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "law_id", "label", "number", "sub_number", "citation"]


class LegalElementSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)

    class Meta:
        model = LegalElement
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "description",
            "facts",
            "evidence_guide",
            "common_mistakes",
            "sort_order",
        ]


class ChargeSerializer(serializers.ModelSerializer):
    articles = ArticleBriefSerializer(many=True, read_only=True)
    element_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "article_refs",
            "summary",
            "source_id",
            "articles",
            "element_count",
        ]


class ChargeDetailSerializer(ChargeSerializer):
    elements = LegalElementSerializer(many=True, read_only=True)

    class Meta(ChargeSerializer.Meta):
        fields = [
            *ChargeSerializer.Meta.fields,
            "sentencing",
            "distinctions",
            "elements",
        ]


class CaseSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    # many=True makes DRF build a ManyRelatedField around the slug field.
    charges: (
        serializers.ManyRelatedField | serializers.RelatedField[Charge, str, str]
    ) = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = CasePage
        fields = [
            "id",
            "title",
            "case_number",
            "kind",
            "level",
            "source",
            "case_date",
            "keywords",
            "summary",
            "visibility",
            "charges",
            "source_id",
            "url",
        ]

    def get_url(self, obj) -> str:
        return obj.url or ""


class CaseElementAnalysisSerializer(serializers.ModelSerializer):
    heading = serializers.CharField(source="display_heading", read_only=True)

    class Meta:
        model = CaseElementAnalysis
        fields = ["element", "heading", "analysis", "evidence"]


class CaseDetailSerializer(CaseSerializer):
    cited_articles = serializers.SerializerMethodField()
    element_analyses = CaseElementAnalysisSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "facts",
            "handling_process",
            "outcome",
            "key_points",
            "problems",
            "lessons",
            "reasoning",
            "evidence_list",
            "cited_articles",
            "element_analyses",
        ]

    def get_cited_articles(self, obj) -> list[dict]:
        return [
            {
                **ArticleBriefSerializer(article).data,
                "version": ArticleVersionSerializer(version).data if version else None,
            }
            for article, version in obj.cited_versions()
        ]


class ResolvedReferenceSerializer(serializers.Serializer):
    """One statute reference found in free text, with the article it resolves to."""

    text = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    law = serializers.CharField(allow_null=True)
    article = serializers.IntegerField(allow_null=True)
    sub_number = serializers.IntegerField(allow_null=True)
    paragraph = serializers.IntegerField(allow_null=True)
    item = serializers.IntegerField(allow_null=True)
    article_id = serializers.IntegerField(allow_null=True)


class ResolvedReferenceListSerializer(serializers.Serializer):
    results = ResolvedReferenceSerializer(many=True)
