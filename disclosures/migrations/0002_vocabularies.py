from django.db import migrations

from disclosures.vocabularies import MEASURES, VIOLATION_CATEGORIES


def add_terms(apps, schema_editor):
    for model_name, terms in (("ViolationCategory", VIOLATION_CATEGORIES), ("Measure", MEASURES)):
        model = apps.get_model("disclosures", model_name)
        for order, (slug, name) in enumerate(terms):
            model.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial")]

    operations = [migrations.RunPython(add_terms, migrations.RunPython.noop)]
