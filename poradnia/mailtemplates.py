"""E-mail templates of the background jobs: a subject, a text body and an HTML body per language.

A job's templates live in ``<app>/templates/<base>/<language>/{subject.txt,body.txt,body.html}``.
The language follows ``settings.LANGUAGE_CODE`` (Poradnia writes Polish) and falls back to English,
so a deployment with another language code still mails something readable instead of crashing.
The HTML body is rendered with Django's autoescaping: event texts and names are user input.
The templates are looked up once per job run and rendered many times, since a run renders
thousands of messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import select_template

FALLBACK_LANGUAGE = "en"


def email_language() -> str:
    """Primary subtag of LANGUAGE_CODE (``pl-pl`` -> ``pl``)."""
    return settings.LANGUAGE_CODE.split("-")[0].split("_")[0].lower()


def date_language() -> str:
    """The language the e-mail's dates are written in: the e-mail's, or English where its templates fall back."""
    from poradnia.dates import FORMS

    language = email_language()
    return language if language in FORMS else FALLBACK_LANGUAGE


def localised_template(base: str, name: str, language: str | None = None) -> Any:
    """``<base>/<language>/<name>``, or the English one when the language has none."""
    language = language or email_language()
    return select_template([f"{base}/{language}/{name}", f"{base}/{FALLBACK_LANGUAGE}/{name}"])


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html_body: str


@dataclass(frozen=True)
class EmailTemplates:
    subject: Any
    text: Any
    html: Any

    @classmethod
    def load(cls, base: str, language: str | None = None) -> EmailTemplates:
        def pick(name: str) -> Any:
            return localised_template(base, name, language)

        return cls(subject=pick("subject.txt"), text=pick("body.txt"), html=pick("body.html"))

    def render(self, context: dict[str, Any]) -> RenderedEmail:
        # A header cannot contain line breaks (Django refuses to send it): fold the subject to one line.
        subject = " ".join(self.subject.render(context).split())
        return RenderedEmail(subject=subject[:255], body=self.text.render(context).strip() + "\n",
                             html_body=self.html.render(context).strip() + "\n")
