from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [
        migrations.AddField(model_name="note", name="done", field=models.BooleanField(default=False))
    ]
