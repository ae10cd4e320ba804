"""Posts (岗位) and police types (警种) become controlled vocabularies.

The standard terms are created; a person's free-text 警种 is mapped to the term of the
same name, and their 职务 (position) to the post of the same name. Text that matches no
term is kept (``police_type_text``) and reported here and by ``manage.py
vocabulary_report``, for an admin to add the term or map the person by hand.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTS = [
    "值班民警",
    "接处警民警",
    "办案民警",
    "案件办理民警",
    "社区民警",
    "巡逻民警",
    "户籍民警",
    "辅导民警",
    "法制员",
    "看守民警",
    "窗口民警",
]
POLICE_TYPES = [
    "治安",
    "刑侦",
    "经侦",
    "禁毒",
    "交管",
    "巡特警",
    "社区警务",
    "户政",
    "出入境",
    "网络安全保卫",
    "技侦",
    "监管",
    "法制",
    "督察",
    "政工",
    "教育训练",
    "科技信息化",
]


def _clean(text):
    return "".join((text or "").split())


def map_free_text(apps, schema_editor):
    Post = apps.get_model("accounts", "Post")
    PoliceType = apps.get_model("accounts", "PoliceType")
    User = apps.get_model("accounts", "User")
    for order, name in enumerate(POSTS):
        Post.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, name in enumerate(POLICE_TYPES):
        PoliceType.objects.get_or_create(name=name, defaults={"sort_order": order})
    posts = {p.name: p.pk for p in Post.objects.all()}
    types = {t.name: t.pk for t in PoliceType.objects.all()}
    unmatched_types: dict[str, int] = {}
    for user in User.objects.exclude(police_type_text="").only("pk", "police_type_text"):
        pk = types.get(_clean(user.police_type_text))
        if pk is None:
            unmatched_types[user.police_type_text] = (
                unmatched_types.get(user.police_type_text, 0) + 1
            )
            continue
        User.objects.filter(pk=user.pk).update(police_type_id=pk, police_type_text="")
    for name, pk in posts.items():
        User.objects.filter(position=name, post__isnull=True).update(post_id=pk)
    if unmatched_types:
        print(  # noqa: T201 - the report a data migration owes the operator
            "\n  警种 with no matching term (kept as text; see vocabulary_report): "
            + "、".join(f"{k} ({v})" for k, v in sorted(unmatched_types.items()))
        )


def unmap(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(police_type__isnull=False).select_related(
        "police_type"
    ):
        User.objects.filter(pk=user.pk).update(police_type_text=user.police_type.name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_api_token_grant")]

    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="name")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="order")),
            ],
            options={
                "verbose_name": "post",
                "verbose_name_plural": "posts",
                "ordering": ["sort_order", "name"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="PoliceType",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="name")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="order")),
            ],
            options={
                "verbose_name": "police type",
                "verbose_name_plural": "police types",
                "ordering": ["sort_order", "name"],
                "abstract": False,
            },
        ),
        migrations.RenameField(
            model_name="user", old_name="police_type", new_name="police_type_text"
        ),
        migrations.AlterField(
            model_name="user",
            name="police_type_text",
            field=models.CharField(blank=True, max_length=30, verbose_name="police type (unmatched text)"),
        ),
        migrations.AddField(
            model_name="user",
            name="police_type",
            field=models.ForeignKey(blank=True, help_text="Police branch (警种)", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="people", to="accounts.policetype", verbose_name="police type"),
        ),
        migrations.AddField(
            model_name="user",
            name="post",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="people", to="accounts.post", verbose_name="post"),
        ),
        migrations.RunPython(map_free_text, unmap),
    ]
