"""Recording follow-ups, proposing blacklistings and reporting problems became permissions
of their own (issue 13 item 5: view-only roles could do all three). Roles installed before
get them where they could change customers, as the seed roles now do; finance and service
agents get problem reporting. A fresh database has no roles yet: ensure_roles installs them
with these permissions after migrate."""

from django.db import migrations

WORK = [
    ("archive", "add_interaction"),
    ("grading", "add_blacklistentry"),
    ("grading", "add_problem"),
]


def grant(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("org", "Role")
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[c for _a, c in WORK] + ["change_customer"]
        )
    }
    change = found.get(("archive", "change_customer"))
    work = [found[key] for key in WORK if key in found]
    if change is None or not work:
        return
    for role in Role.objects.filter(permissions=change):
        role.permissions.add(*work)
    problem = found.get(("grading", "add_problem"))
    if problem is not None:
        for role in Role.objects.filter(code__in=["finance", "service_agent"]):
            role.permissions.add(problem)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("archive", "0017_choices_checked"),
        ("grading", "0009_behaviour_axis"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
