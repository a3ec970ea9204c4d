"""The project's own message ids and their Polish translations, read from every catalog (devtools.messages)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

from babel.messages.pofile import read_po

from devtools.messages import CATALOGS, ROOT, po_path

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
TAG = re.compile(r"<[^>]+>")
# A message id as a phrase of its own: not a piece of a longer word, identifier, path or URL.
EDGE = r"[\w\-./:@#]"


@dataclass(frozen=True)
class Message:
    msgid: str
    msgstr: str

    @property
    def translated(self) -> bool:
        """False where Polish keeps the English word ("Web UI", "Monitoring")."""
        return self.msgstr != self.msgid

    @property
    def distinctive(self) -> bool:
        """Long enough to be told from Polish on a page: "to", "ok" or "%(user)s on %(case)s" are Polish words too."""
        return len(PLACEHOLDER.sub("", TAG.sub("", self.msgid)).strip(" :;,.()")) > 2

    @cache  # noqa: B019 - a handful of frozen messages, kept for the test run
    def pattern(self) -> re.Pattern[str]:
        """The msgid as a person reads it on a page: tags stripped, entities decoded, placeholders filled."""
        text = " ".join(html.unescape(TAG.sub("", self.msgid)).split())
        parts = [re.escape(part) for part in PLACEHOLDER.split(text)]
        body = r".{1,120}?".join(parts)  # bounded: a placeholder holds a value, not half a page
        first = text[:1]
        if first.islower():  # the admin capitalises labels ("first seen" -> "First seen")
            body = f"[{re.escape(first)}{re.escape(first.upper())}]" + body[len(re.escape(first)):]
        return re.compile(rf"(?<!{EDGE}){body}(?!{EDGE})")


@cache
def messages() -> tuple[Message, ...]:
    found: dict[str, Message] = {}
    for directory in CATALOGS:
        with po_path(ROOT, directory).open("rb") as handle:
            for entry in read_po(handle):
                if not entry.id:
                    continue
                ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
                strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                for msgid in ids:
                    found.setdefault(msgid, Message(msgid, strings[0] if len(ids) == 1 else strings[-1]))
    return tuple(found.values())
