"""Model constraints and the court list."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from poradnia.cases.models import Case
from poradnia.events.models import Event, Reminder
from poradnia.judgements.courts import court_url
from poradnia.judgements.models import Court, CourtCase, CourtSession
from poradnia.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]  # constraints

WARSAW = ZoneInfo("Europe/Warsaw")
CITIES = ["bialystok", "bydgoszcz", "gdansk", "gliwice", "gorzow", "kielce", "krakow", "lodz", "lublin",
          "olsztyn", "opole", "poznan", "rzeszow", "szczecin", "warszawa", "wroclaw"]


@pytest.fixture
def case() -> Case:
    client = User.objects.create_user("client", "client@example.org")
    return Case.objects.create(name="Eviction", client=client)


def test_user_defaults() -> None:
    user = User.objects.create_user("lawyer")
    assert user.event_reminder_time == 1
    assert not user.notify_old_cases and not user.notify_unassigned_letter


def test_seventeen_courts_with_derived_urls() -> None:
    courts = {c.parser_key: c for c in Court.objects.all()}
    assert len(courts) == 17
    assert courts["NSA"].url == "https://ewokanda.nsa.gov.pl/ewokanda/"
    assert courts["NSA"].name == "Naczelny Sąd Administracyjny"
    for city in CITIES:
        key = next(k for k in courts if k.lower() == f"wsa_{city}")
        assert courts[key].url == f"https://ewokanda.nsa.gov.pl/ewokanda/wsa/{city}/"
        assert courts[key].name.startswith("Wojewódzki Sąd Administracyjny w")
    assert courts["WSA_Wroclaw"].name.endswith("we Wrocławiu")
    assert all(c.active for c in courts.values())


def test_court_url_follows_base_url_setting(settings) -> None:
    settings.EWOKANDA_BASE_URL = "http://127.0.0.1:8765/ewokanda"
    assert Court.objects.get(parser_key="WSA_Krakow").url == "http://127.0.0.1:8765/ewokanda/wsa/krakow/"
    assert Court.objects.get(parser_key="NSA").url == "http://127.0.0.1:8765/ewokanda/"


def test_court_url_rejects_unknown_keys() -> None:
    for key in ("WSA", "FOO_Krakow", "WSA_../../etc"):
        with pytest.raises(ValueError):
            court_url(key)


def test_duplicate_signature_after_normalisation_rejected(case: Case) -> None:
    court = Court.objects.get(parser_key="WSA_Gliwice")
    first = CourtCase.objects.create(court=court, signature="  II SA/Gl\u00a0 123/25 ", case=case,
                                     created_by=case.client)
    assert first.signature == "II SA/Gl 123/25"
    with pytest.raises(IntegrityError), transaction.atomic():
        CourtCase.objects.create(court=court, signature="ii  sa/gl 123/25", case=case, created_by=case.client)
    # The same signature at another court is another court case.
    CourtCase.objects.create(court=Court.objects.get(parser_key="WSA_Krakow"), signature="II SA/Gl 123/25",
                             case=case, created_by=case.client)


def test_one_session_per_court_case_date_and_slot(case: Case) -> None:
    court = Court.objects.get(parser_key="WSA_Gliwice")
    court_case = CourtCase.objects.create(court=court, signature="I SA/Gl 1/25", case=case, created_by=case.client)

    def session(slot: int, hour: int) -> CourtSession:
        event = Event.objects.create(case=case, time=datetime(2026, 5, 18, hour, tzinfo=WARSAW), text="x",
                                     created_by=case.client)
        return CourtSession.objects.create(court_case=court_case, event=event, parser_key=court.parser_key,
                                           date=date(2026, 5, 18), slot=slot)

    session(0, 10)
    session(1, 12)  # a second sitting the same day is a second slot
    with pytest.raises(IntegrityError), transaction.atomic():
        session(1, 14)


def test_one_reminder_per_event_and_user(case: Case) -> None:
    event = Event.objects.create(case=case, time=datetime(2026, 5, 18, 10, tzinfo=WARSAW), text="x",
                                 created_by=case.client)
    Reminder.objects.create(event=event, user=case.client)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(event=event, user=case.client)
