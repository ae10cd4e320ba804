from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import CoursePage


class CourseSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    category_display = serializers.CharField(
        source="get_category_display", read_only=True
    )

    class Meta:
        model = CoursePage
        fields = [
            "id",
            "title",
            "summary",
            "category",
            "category_display",
            "credit_hours",
            "required",
            "due_date",
            "yearly",
            "url",
        ]

    def get_url(self, obj: CoursePage) -> str:
        return obj.url or ""


class LessonStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    url = serializers.CharField(source="lesson.url")
    estimated_minutes = serializers.IntegerField(source="lesson.estimated_minutes")
    completed = serializers.BooleanField()
    started = serializers.BooleanField()


class AssignmentStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    # A declared field: the metaclass moves it out of the class, so it does not replace
    # Field.required as the stubs assume.
    required = serializers.BooleanField()  # type: ignore[assignment]
    progress = serializers.FloatField()
    due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    period = serializers.CharField()


class CourseDetailSerializer(CourseSerializer):
    lessons = serializers.SerializerMethodField()
    assignment = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "lessons", "assignment"]

    def _outline(self, obj):
        """The caller's outline of ``obj``, worked out once per course."""
        if not hasattr(self, "_outlines"):
            self._outlines: dict[int, Any] = {}
        if obj.pk not in self._outlines:
            from .selectors import course_outline

            self._outlines[obj.pk] = course_outline(
                user=self.context["request"].user, course=obj
            )
        return self._outlines[obj.pk]

    def get_lessons(self, obj) -> list[dict]:
        # many=True builds a ListSerializer, whose data is a list; the stubs give the
        # child's type (a dict).
        return LessonStateSerializer(  # type: ignore[return-value]
            self._outline(obj)["lesson_rows"], many=True
        ).data

    def get_assignment(self, obj) -> dict | None:
        assignment = self._outline(obj)["assignment"]
        return AssignmentStateSerializer(assignment).data if assignment else None


class LearningRowSerializer(serializers.Serializer):
    course = CourseSerializer()
    assignment = AssignmentStateSerializer()
    overdue = serializers.BooleanField()


class HoursByCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    # A declared field: the metaclass moves it out of the class, so it does not replace
    # Field.label as the stubs assume.
    label = serializers.CharField()  # type: ignore[assignment]
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)


class MyLearningSerializer(serializers.Serializer):
    # A declared field: the metaclass moves it out of the class, so it does not replace
    # Field.required as the stubs assume.
    required = LearningRowSerializer(many=True)  # type: ignore[assignment]
    in_progress = LearningRowSerializer(many=True)
    completed = LearningRowSerializer(many=True)
    hours_this_year = serializers.DecimalField(max_digits=8, decimal_places=2)
    hours_target = serializers.DecimalField(max_digits=8, decimal_places=2)
    hours_by_category = HoursByCategorySerializer(many=True)
