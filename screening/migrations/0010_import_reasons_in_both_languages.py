from django.db import migrations, models


def keep_old_reasons(apps, schema_editor):
    # Reasons written before were in the upload's language only: the same text
    # serves both languages rather than none.
    ImportRowError = apps.get_model("screening", "ImportRowError")
    ImportRowError.objects.update(
        reason_en=models.F("reason"), reason_de=models.F("reason")
    )


def back_to_one_reason(apps, schema_editor):
    ImportRowError = apps.get_model("screening", "ImportRowError")
    ImportRowError.objects.update(reason=models.F("reason_en"))


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0009_reasons_as_codes_append_only_assessments"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrowerror",
            name="reason_en",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="importrowerror",
            name="reason_de",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunPython(keep_old_reasons, back_to_one_reason),
        migrations.RemoveField(
            model_name="importrowerror",
            name="reason",
        ),
    ]
