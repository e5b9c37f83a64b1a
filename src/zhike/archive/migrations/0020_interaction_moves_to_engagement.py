"""The follow-up (跟进记录, ENG-6) moves to the engagement app: forget the model here
without touching its table (engagement 0001 takes it over as it is)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("archive", "0019_customer_tally")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Interaction")],
            database_operations=[],
        ),
    ]
