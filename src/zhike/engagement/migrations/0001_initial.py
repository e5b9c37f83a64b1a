"""The follow-up (跟进记录) moves from the archive to this app, its table and rows as they
are: this migration only tells Django's model state; 0002 renames the table and grows it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("archive", "0020_interaction_moves_to_engagement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FollowUp",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("call", "电话"),
                                    ("visit", "拜访"),
                                    ("message", "消息"),
                                    ("meeting", "会议"),
                                ],
                                max_length=20,
                                verbose_name="方式",
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(blank=True, max_length=50, verbose_name="渠道"),
                        ),
                        ("content", models.TextField(verbose_name="内容")),
                        (
                            "next_step",
                            models.CharField(blank=True, max_length=200, verbose_name="下一步"),
                        ),
                        (
                            "next_date",
                            models.DateField(blank=True, null=True, verbose_name="下次跟进日期"),
                        ),
                        ("occurred_at", models.DateTimeField(verbose_name="时间")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="记录人",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="interactions",
                                to="archive.customer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "跟进记录",
                        "verbose_name_plural": "跟进记录",
                        "db_table": "archive_interaction",
                        "indexes": [
                            models.Index(
                                fields=["customer", "-occurred_at"], name="interaction_timeline"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
