"""Create the 17 administrative courts that publish an eWokanda page."""

from django.db import migrations

# Frozen copy: a migration must not change when courts.py changes later.
COURTS = (
    ("NSA", "Naczelny Sąd Administracyjny"),
    ("WSA_Bialystok", "Wojewódzki Sąd Administracyjny w Białymstoku"),
    ("WSA_Bydgoszcz", "Wojewódzki Sąd Administracyjny w Bydgoszczy"),
    ("WSA_Gdansk", "Wojewódzki Sąd Administracyjny w Gdańsku"),
    ("WSA_Gliwice", "Wojewódzki Sąd Administracyjny w Gliwicach"),
    ("WSA_Gorzow", "Wojewódzki Sąd Administracyjny w Gorzowie Wielkopolskim"),
    ("WSA_Kielce", "Wojewódzki Sąd Administracyjny w Kielcach"),
    ("WSA_Krakow", "Wojewódzki Sąd Administracyjny w Krakowie"),
    ("WSA_Lodz", "Wojewódzki Sąd Administracyjny w Łodzi"),
    ("WSA_Lublin", "Wojewódzki Sąd Administracyjny w Lublinie"),
    ("WSA_Olsztyn", "Wojewódzki Sąd Administracyjny w Olsztynie"),
    ("WSA_Opole", "Wojewódzki Sąd Administracyjny w Opolu"),
    ("WSA_Poznan", "Wojewódzki Sąd Administracyjny w Poznaniu"),
    ("WSA_Rzeszow", "Wojewódzki Sąd Administracyjny w Rzeszowie"),
    ("WSA_Szczecin", "Wojewódzki Sąd Administracyjny w Szczecinie"),
    ("WSA_Warszawa", "Wojewódzki Sąd Administracyjny w Warszawie"),
    ("WSA_Wroclaw", "Wojewódzki Sąd Administracyjny we Wrocławiu"),
)


def create_courts(apps, schema_editor):
    Court = apps.get_model("judgements", "Court")
    for parser_key, name in COURTS:
        Court.objects.update_or_create(parser_key=parser_key, defaults={"name": name})


def delete_courts(apps, schema_editor):
    Court = apps.get_model("judgements", "Court")
    Court.objects.filter(parser_key__in=[key for key, _ in COURTS], court_cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("judgements", "0002_initial")]
    operations = [migrations.RunPython(create_courts, delete_courts)]
