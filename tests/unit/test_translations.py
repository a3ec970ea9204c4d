"""The Polish catalogs: in step with the code, every entry translated, and compiled into the committed .mo files."""

from __future__ import annotations

import gettext
import os

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

from devtools.messages import CATALOGS, ROOT, check, have_gettext, po_path
from poradnia.contracts import JOBS


def test_every_catalog_is_up_to_date_with_the_code_and_translated() -> None:
    """makemessages on a copy of the sources finds exactly the committed message ids, each with its Polish."""
    if not have_gettext():
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext is missing: make gettext (Debian package gettext)")
        pytest.skip("GNU gettext is not installed (make gettext); CI runs this check")
    problems = check()
    assert [str(p) for p in problems] == [], "run make messages, translate the new entries, commit .po and .mo"


@pytest.mark.parametrize("directory", sorted(CATALOGS))
def test_the_committed_mo_is_compiled_from_the_po(directory: str) -> None:
    po = po_path(ROOT, directory)
    with po.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.plural_forms.startswith("nplurals=4")  # Polish plurals; a fuzzy header would lose them
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n, form in ((1, 0), (2, 1), (5, 2)):
                expected = message.string[form]
                assert compiled.ngettext(message.id[0], message.id[1], n) == expected, (directory, message.id)
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == message.string, (directory, message.id)
        else:
            assert compiled.gettext(message.id) == message.string, (directory, message.id, "run make messages")


def test_the_admin_describes_every_job_as_the_registry_does() -> None:
    """The Background jobs page translates each job's registry description; the English texts must agree."""
    from poradnia.jobs.templatetags.jobs_words import DESCRIPTIONS

    assert set(DESCRIPTIONS) == {job.id for job in JOBS}
    with translation.override("en"):
        assert {job_id: str(text) for job_id, text in DESCRIPTIONS.items()} == {job.id: job.description for job in JOBS}
    with translation.override("pl"):
        assert all(str(DESCRIPTIONS[job.id]) != job.description for job in JOBS)
