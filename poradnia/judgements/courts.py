"""The courts that publish an eWokanda page, and where each page lives.

The URL is derived from the parser key rather than stored, so pointing every court at a
stand-in (or a new host) is one setting: ``EWOKANDA_BASE_URL``.
"""

from __future__ import annotations

COURTS: tuple[tuple[str, str], ...] = (
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

DEFAULT_BASE_URL = "https://ewokanda.nsa.gov.pl/ewokanda/"


def court_path(parser_key: str) -> str:
    """The page path relative to the eWokanda base URL: "" for NSA, "wsa/<city>/" for WSA_<City>."""
    if parser_key == "NSA":
        return ""
    prefix, _, city = parser_key.partition("_")
    if prefix != "WSA" or not city.isalpha():
        raise ValueError(f"unknown eWokanda parser key {parser_key!r} (expected NSA or WSA_<City>)")
    return f"wsa/{city.lower()}/"


def court_url(parser_key: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The full page URL of a court under ``base_url`` (a trailing slash is added if missing)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return base_url + court_path(parser_key)
