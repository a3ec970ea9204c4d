"""The case address, link and headers from the settings; a malformed template stops the process at start."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from poradnia.apps import check_configuration
from poradnia.cases.mail import case_email_address, case_headers, case_subject, case_url
from poradnia.outbox.queueing import is_deliverable, stored_headers


def test_case_address_link_and_headers(settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "poradnia@porady.example.org"
    settings.CASE_EMAIL_TEMPLATE = "sprawa-%(id)s@porady.example.org"
    settings.PORADNIA_BASE_URL = "https://porady.example.org/"
    settings.CASE_URL_PATH = "/sprawy/sprawa-%(id)s/"
    settings.CASE_EMAIL_FROM = True
    assert case_email_address(42) == "sprawa-42@porady.example.org"
    assert case_url(42) == "https://porady.example.org/sprawy/sprawa-42/"
    named = '"Poradnia, sprawa #42" <sprawa-42@porady.example.org>'
    assert case_headers(42) == {"From": named, "Reply-To": named}
    settings.CASE_EMAIL_FROM = False
    assert case_headers(42) == {"From": "poradnia@porady.example.org", "Reply-To": named}
    settings.CASE_EMAIL_TEMPLATE = ""
    assert case_headers(42) == {"From": "poradnia@porady.example.org", "Reply-To": "poradnia@porady.example.org"}
    assert case_subject(42, "Przypomnienie: x") == "[Poradnia #42] Przypomnienie: x"


@pytest.mark.parametrize(("name", "value"), [("CASE_EMAIL_TEMPLATE", "sprawa-%(pk)s@x.org"),
                                             ("CASE_URL_PATH", "/sprawy/%d/"), ("CASE_URL_PATH", "/sprawy/%(id)/")])
def test_a_malformed_template_is_refused_naming_the_setting(settings, name: str, value: str) -> None:
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        check_configuration()


def test_stored_headers_default_from_and_message_id(settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Poradnia <poradnia@porady.example.org>"
    headers = stored_headers({"Reply-To": "sprawa-1@porady.example.org"})
    assert headers["From"] == "Poradnia <poradnia@porady.example.org>"
    assert headers["Message-ID"].endswith("@porady.example.org>")
    assert stored_headers(headers) == headers  # stored once: a retry keeps the same Message-ID
    assert not is_deliverable(True, "") and not is_deliverable(True, "  ") and not is_deliverable(False, "a@b.c")
    assert is_deliverable(True, "a@b.c")
