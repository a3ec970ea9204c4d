"""Synthetic eWokanda pages for tests, benchmarks and the local stand-in.

The markup copies the shape of the real pages (the search form, ``Wyszukane posiedzenia: N``, a
``<table id='tabela'>`` whose header cells wrap ``<strong>``, ``<br />`` between judges, an unclosed
``<b>`` and an unquoted ``<a ... target=_blank><IMG ...>`` in the result, alternating
``class='alt'`` rows) so the parser meets the same quirks; the content is made up, never copied.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from html import escape

DEFAULT_COLUMNS: tuple[str, ...] = (
    "Sygnatura",
    "Data",
    "Godz.",
    "Sala",
    "Typ",
    "Symbol",
    "Skład sędziowski",
    "Przedmiot / Wynik",
)

#: WSA court codes as they appear in signatures ("II SA/Gl 123/25"); NSA signatures have none.
COURT_CODES: dict[str, str] = {
    "NSA": "",
    "WSA_Bialystok": "Bk",
    "WSA_Bydgoszcz": "Bd",
    "WSA_Gdansk": "Gd",
    "WSA_Gliwice": "Gl",
    "WSA_Gorzow": "Go",
    "WSA_Kielce": "Ke",
    "WSA_Krakow": "Kr",
    "WSA_Lodz": "Łd",
    "WSA_Lublin": "Lu",
    "WSA_Olsztyn": "Ol",
    "WSA_Opole": "Op",
    "WSA_Poznan": "Po",
    "WSA_Rzeszow": "Rz",
    "WSA_Szczecin": "Sz",
    "WSA_Warszawa": "Wa",
    "WSA_Wroclaw": "Wr",
}


class Raw(str):
    """A cell value inserted verbatim (not HTML-escaped): entities, tags, deliberate breakage."""

    __slots__ = ()


@dataclass
class SyntheticRow:
    """One hearing. ``judges`` lines are joined with ``<br />``; a ``result`` goes below the subject, in bold,
    its lines joined by ``<BR>``, followed by the link to the ``judgment`` (a CBOSA document id; None: one
    derived from the signature, "": no link yet)."""

    signature: str
    date: str
    hour: str = ""
    room: str = "Sala 1"
    kind: str = "jawne"
    symbol: str = "6010"
    judges: str = "A. Kowalski (spr.)"
    subject: str = "Pozwolenie na budowę"
    result: str = ""
    judgment: str | None = None


_SYMBOL_TITLES = {
    "6010": "Pozwolenie na budowę, użytkowanie obiektu lub jego części",
    "6110": "Podatek od towarów i usług",
    "6115": "Podatki od nieruchomości",
    "6153": "Warunki zabudowy terenu",
    "6320": "Zasiłki celowe i okresowe",
    "6411": "Rozstrzygnięcia nadzorcze dotyczące gminy",
    "648": "Sprawy objęte dostępem do informacji publicznej",
}


def _cell(value: str) -> str:
    return value if isinstance(value, Raw) else escape(value, quote=False)


def _judges(value: str) -> str:
    if isinstance(value, Raw):
        return value
    return "<br /> ".join(escape(name, quote=False) for name in value.split("\n"))


def _subject(row: SyntheticRow) -> str:
    subject = _cell(row.subject)
    if not row.result:
        return subject
    # As on the real pages: an unclosed <b>, lines split by <BR>, an unquoted link around an upper-case IMG.
    doc = f"{zlib.crc32(row.signature.encode()):010X}" if row.judgment is None else row.judgment
    image = "<IMG src=/ewokanda/pic/U.jpg title=uzasadnienie>"
    link = f"  <a href=http://orzeczenia.nsa.gov.pl/doc/{doc} target=_blank>{image}</a>" if doc else "  "
    result = row.result if isinstance(row.result, Raw) else "<BR>".join(map(_cell, row.result.split("\n")))
    return f"{subject}<br /><br /><b>{result}{link}"


def _value(row: SyntheticRow, column: str, extra: dict[str, str]) -> str:
    if column in extra:
        return _cell(extra[column])
    match column:
        case "Sygnatura":
            return _cell(row.signature)
        case "Data":
            return _cell(row.date)
        case "Godz.":
            return _cell(row.hour)
        case "Sala":
            return _cell(row.room)
        case "Typ":
            return _cell(row.kind)
        case "Symbol":
            return _cell(row.symbol)
        case "Skład sędziowski":
            return _judges(row.judges)
        case "Przedmiot / Wynik":
            return _subject(row)
    return ""


def _td(row: SyntheticRow, column: str, extra: dict[str, str]) -> str:
    value = _value(row, column, extra)
    if column == "Symbol" and not isinstance(row.symbol, Raw):
        title = escape(f"{row.symbol} - {_SYMBOL_TITLES.get(row.symbol, 'Inne')}", quote=True)
        return f"<td title='{title}'>{value}</td>"
    return f"<td>{value}</td>"


_FORM = """<form method="post">
\t<fieldset name="opcje">
\t<legend><strong> Opcje wyszukania </strong></legend>
\t<table id="ow" style="width: 1000px" role="presentation"><tbody>
\t<tr><td class="styleOp1"><label for="sygnatura">Sygnatura sprawy: </label></td>
\t\t<td colspan="3"><input type='text' name="sygnatura" id="sygnatura" value="" maxlength="20" /></td>
\t\t<td class="styleOp6"><label for="porzadek">Porządek sortowania:</label></td>
\t\t<td><select name="porzadek" id="porzadek"><option value="sygnatura">wg sygnatury sprawy</option>
\t\t\t<option value="termin" selected="selected">wg terminu posiedzenia</option>
\t\t\t<option value="sala">wg sali</option></select></td></tr>
\t<tr><td><label for="data">Data posiedzenia: </label></td>
\t\t<td><input type="date" name="data" id="data" value="" /></td>
\t\t<td><label for="do">do: </label></td><td><input type="date" name="do" id="do" value="" /></td>
\t\t<td><label for="rosnaco">rosnąco</label>
\t\t\t<input type="radio" name="kierunek" id="rosnaco" value="rosnaco" checked="checked" >
\t\t\t<label for="malejaco">malejąco</label>
\t\t\t<input type="radio" name="kierunek" id="malejaco" value="malejaco" /></td></tr>
\t<tr><td><label for="wydzial">Wydział orzeczniczy:</label></td>
\t\t<td colspan="3"><select name="wydzial" id="wydzial"><option value=''> </option>
\t\t\t<option value='I'>Wydział I</option><option value='II'>Wydział II</option></select></td></tr>
\t<tr><td><label for="sala">Sala rozpraw:</label></td>
\t\t<td><select name="sala" id="sala"><option value=""> </option>
\t\t\t<option value='Sala 1'>Sala 1</option></select></td>
\t\t<td><label for="symbol">Symbol:</label></td>
\t\t<td><input type="text" name="symbol" id="symbol" value="" maxlength="9" /></td></tr>
\t<tr><td><label for="sedzia">Sędzia: </label></td>
\t\t<td colspan="3"><input type='text' name="sedzia" id="sedzia" value="" maxlength="20" /></td></tr>
\t<tr><td><label for="przedmiot">Przedmiot posiedzenia: </label></td>
\t\t<td colspan="3"><input type='text' name="przedmiot" id="przedmiot" value="" maxlength="30" /></td>
\t\t<td><input type='submit' value='Szukaj'></td></tr>
\t<tr><td><label for="typ">Typ posiedzenia: </label></td>
\t\t<td colspan="3"><select name="typ" id="typ"><option value=""> </option>
\t\t\t<option value="J">posiedzenie jawne</option><option value="P">publikacja</option>
\t\t\t<option value="N">posiedzenie niejawne</option></select></td></tr>
\t</tbody></table>
\t</fieldset></form>
"""


def generate_page(
    rows: Sequence[SyntheticRow],
    *,
    columns: Sequence[str] | None = None,
    extra_columns: dict[str, str] | None = None,
    title: str = "eWokanda",
    encoding: str = "utf-8",
    meta_charset: bool = True,
    table: bool = True,
) -> bytes:
    """An eWokanda page listing ``rows``, encoded in ``encoding``.

    ``columns`` picks and orders the standard columns (unknown names give empty cells);
    ``extra_columns`` ({header: value}) are appended with the same value in every row.
    ``meta_charset=False`` leaves the charset to the HTTP header; ``table=False`` omits the table.
    """
    extra = dict(extra_columns or {})
    names = [*(columns if columns is not None else DEFAULT_COLUMNS), *extra]
    meta = ""
    if meta_charset:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}" />\n'
    parts = [
        '<!DOCTYPE html>\n<html lang="pl" xmlns="http://www.w3.org/1999/xhtml">\n\n<head>\n'
        '<meta name="robots" content="noarchive"/>\n\n',
        meta,
        f'<meta name="Description" content="eWokanda WSA"/>\n<title>{escape(title)}</title>\n'
        "<style type=\"text/css\">\n#tabela { width:100%; border-collapse:collapse; }\n"
        "#tabela tr.alt td { background-color:#F0F4FA; }\n</style>\n</head>\n\n<body>\n\n"
        '<table id="header" role="presentation">\n\t<tr>\n\t\t<td id="logo"><h1>'
        '<a href="http://example.invalid" target="_blank">'
        '<img src="/ewokanda/pic/baner.jpg" alt="eWokanda" width="960" height="138" />'
        "</a></h1></td>\n\t</tr>\n</table>\n\n\n",
        _FORM,
        f"\n\n<br>\nWyszukane posiedzenia: {len(rows) if table else 0}\n",
    ]
    if table:
        widths = {"Sygnatura": 120, "Data": 80, "Godz.": 40, "Sala": 50, "Typ": 55, "Symbol": 65}
        header = "".join(
            f"\n\t<th style='width: {widths[n]}px'><strong>{escape(n)}</strong></th>"
            if n in widths
            else f"\n\t<th><strong>{escape(n)}</strong></th>"
            for n in names
        )
        parts.append(f"<table id='tabela'><tr>{header}\n</tr>\n")
        for i, row in enumerate(rows):
            cells = "\n\t".join(_td(row, name, extra) for name in names)
            parts.append(f"<tr{' class=' + chr(39) + 'alt' + chr(39) if i % 2 else ''}>{cells}\n</tr>\n")
        parts.append("</table>\n")
    parts.append(
        '<br />\n<br />\n<hr style="margin-bottom:1px"/>\n'
        '<div style="font-size:14px">Opracowanie strony: synthetic&nbsp;eWokanda</div>\n'
        '<hr style="margin-bottom:1px"/>\n\n</body></html>'
    )
    return "".join(parts).encode(encoding, errors="xmlcharrefreplace")


# --- Random but realistic rows --------------------------------------------------------------------

_JUDGES = (
    "A. Nowak", "B. Wiśniewska", "C. Wójcik", "D. Kowalczyk", "E. Kamińska", "F. Lewandowski",
    "G. Zielińska", "H. Szymański", "I. Woźniak", "J. Dąbrowski", "K. Kozłowska", "Ł. Jankowski",
)
_SUBJECTS = (
    ("6010", "Pozwolenie na budowę"),
    ("6110", "Podatek od towarów i usług za grudzień 2024 r."),
    ("6115", "Podatek od nieruchomości"),
    ("6153", "Warunki zabudowy terenu"),
    ("6320", "Zasiłek okresowy"),
    ("6411", "Rozstrzygnięcie nadzorcze w przedmiocie uchwały rady gminy"),
    ("648", "Bezczynność organu w sprawie udostępnienia informacji publicznej"),
)
_RESULTS = ("Oddalono skargę", "Uchylono zaskarżoną decyzję", "Odrzucono skargę", "Umorzono postępowanie")
_ROOMS = ("Sala 1", "Sala 2", "sala nr 3", "Sala A")
_WSA_KINDS = (("SA", 70), ("SAB", 15), ("SO", 5), ("SPP", 10))
_NSA_KINDS = (("OSK", 50), ("FSK", 30), ("GSK", 20))


def _signature(rng: random.Random, court_code: str, year: int) -> str:
    division = rng.choice(("I", "II", "II", "III", "IV"))
    number = rng.randint(1, 1999)
    yy = f"{rng.choice((year - 1, year)) % 100:02d}"
    if not court_code or court_code == "NSA":
        kind = rng.choices([k for k, _ in _NSA_KINDS], [w for _, w in _NSA_KINDS])[0]
        return f"{division} {kind} {number}/{yy}"
    kind = rng.choices([k for k, _ in _WSA_KINDS], [w for _, w in _WSA_KINDS])[0]
    return f"{division} {kind}/{court_code} {number}/{yy}"


def random_rows(n: int, *, seed: int, court_code: str = "Gl", start: date) -> list[SyntheticRow]:
    """``n`` hearings on working days from ``start``, in page order (by date, then hour).

    About one in twelve signatures is heard twice the same day (a hearing and its ruling's
    publication), which the sync must treat as two sessions of one case.
    """
    rng = random.Random(seed)
    rows: list[SyntheticRow] = []
    day = start
    per_day = max(1, n // 40)
    used: set[str] = set()
    while len(rows) < n:
        if day.weekday() < 5:
            for _ in range(rng.randint(1, 2 * per_day)):
                if len(rows) >= n:
                    break
                signature = _signature(rng, court_code, day.year)
                while signature in used:
                    signature = _signature(rng, court_code, day.year)
                used.add(signature)
                kind = rng.choices(("jawne", "niejawne", "publikacja"), (6, 3, 1))[0]
                symbol, subject = rng.choice(_SUBJECTS)
                hour = f"{rng.randint(8, 14):02d}:{rng.choice((0, 15, 30, 45)):02d}"
                hour = "" if kind == "niejawne" else hour
                judges = "\n".join(rng.sample(_JUDGES, rng.choice((1, 3))))
                judges = judges.replace("\n", " (spr.)\n", 1) if "\n" in judges else f"{judges} (spr.)"
                row = SyntheticRow(
                    signature=signature,
                    date=day.isoformat(),
                    hour=hour,
                    room=rng.choice(_ROOMS),
                    kind=kind,
                    symbol=symbol,
                    judges=judges,
                    subject=subject,
                    result=rng.choice(_RESULTS) if rng.random() < 0.4 else "",
                )
                rows.append(row)
                if len(rows) < n and rng.random() < 1 / 12:
                    rows.append(replace(row, kind="publikacja", hour="15:00", result=rng.choice(_RESULTS)))
        day += timedelta(days=1)
    rows.sort(key=lambda r: (r.date, r.hour))
    return rows


# --- Malformed pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What parse_page() must do with a malformed variant: raise ParseError whose reason contains
    ``error``, or return ``rows`` good rows and ``bad_rows`` skipped ones out of ``rows_seen``."""

    error: str | None = None
    rows: int = 0
    bad_rows: int = 0
    rows_seen: int = 0


def _base_rows(n: int = 4) -> list[SyntheticRow]:
    judges, result = "A. Nowak (spr.)\nB. Wiśniewska\nC. Wójcik", "Oddalono skargę"
    return [
        SyntheticRow(f"II SA/Gl {100 + i}/25", f"2026-05-{18 + i:02d}", "10:00", judges=judges, result=result)
        for i in range(n)
    ]


def _set_row(rows: list[SyntheticRow], i: int, **changes: str) -> list[SyntheticRow]:
    rows = list(rows)
    rows[i] = replace(rows[i], **changes)
    return rows


def _page(**kwargs: object) -> bytes:
    rows = kwargs.pop("rows", _base_rows())
    return generate_page(rows, **kwargs)  # type: ignore[arg-type]


def _edit(page: bytes, old: str, new: str, count: int = 1) -> bytes:
    text = page.decode("utf-8")
    if old not in text:
        raise AssertionError(f"synthetic page has no {old!r} to replace")
    return text.replace(old, new, count).encode("utf-8")


def _cut_after(page: bytes, marker: str, extra: int) -> bytes:
    """The page cut ``extra`` characters after the last ``marker``."""
    text = page.decode("utf-8")
    return text[: text.rindex(marker) + len(marker) + extra].encode("utf-8")


def _replace_row(page: bytes, signature: str, html: str) -> bytes:
    """The page with the whole row of ``signature`` (from its <tr to its </tr>) replaced by ``html``."""
    text = page.decode("utf-8")
    cell = text.index(f"<td>{signature}</td>")
    start, end = text.rindex("<tr", 0, cell), text.index("</tr>", cell) + len("</tr>")
    return (text[:start] + html + text[end:]).encode("utf-8")


def _repeat_header(page: bytes) -> bytes:
    text = page.decode("utf-8")
    start = text.index("<table id='tabela'>") + len("<table id='tabela'>")
    header = text[start : text.index("</tr>", start) + len("</tr>")]
    marker = "<tr><td>II SA/Gl 102/25"
    return text.replace(marker, header + "\n" + marker, 1).encode("utf-8")


#: name -> expected outcome; malformed_variants() returns the pages under the same names.
MALFORMED_EXPECTED: dict[str, Expected] = {
    # ParseError: the page as a whole is unusable.
    "no_table": Expected(error='no table id="tabela"'),
    "other_table_id": Expected(error='no table id="tabela"'),
    "garbage_bytes": Expected(error='no table id="tabela"'),
    "commented_out_table": Expected(error='no table id="tabela"'),
    "empty_table": Expected(error="has no rows"),
    "table_without_th": Expected(error="no header row"),
    "missing_sygnatura_header": Expected(error="header 'Sygnatura' missing"),
    "missing_data_header": Expected(error="header 'Data' missing"),
    "duplicate_data_header": Expected(error="header 'Data' appears 2 times"),
    # Clean: bad rows are skipped and counted, the rest parse.
    "invalid_dates": Expected(rows=2, bad_rows=2, rows_seen=4),
    "invalid_hour": Expected(rows=3, bad_rows=1, rows_seen=4),
    "hour_with_dot": Expected(rows=3, bad_rows=1, rows_seen=4),
    "empty_signature": Expected(rows=3, bad_rows=1, rows_seen=4),
    "short_row": Expected(rows=3, bad_rows=1, rows_seen=4),
    "long_row": Expected(rows=3, bad_rows=1, rows_seen=4),
    "empty_tr": Expected(rows=4, bad_rows=1, rows_seen=5),
    "repeated_header_row": Expected(rows=4, bad_rows=1, rows_seen=5),
    "truncated_mid_row": Expected(rows=3, bad_rows=1, rows_seen=4),
    # Clean, every row good.
    "header_only": Expected(rows=0, rows_seen=0),
    "invalid_utf8_in_cell": Expected(rows=4, rows_seen=4),
    "truncated_after_row": Expected(rows=4, rows_seen=4),
    "nested_table_in_cell": Expected(rows=4, rows_seen=4),
    "commented_out_row": Expected(rows=4, rows_seen=4),
    "unclosed_cells_and_rows": Expected(rows=4, rows_seen=4),
    "uppercase_tags": Expected(rows=4, rows_seen=4),
    "comment_in_cell": Expected(rows=4, rows_seen=4),
    "entities_in_cells": Expected(rows=4, rows_seen=4),
    "thead_tbody": Expected(rows=4, rows_seen=4),
    "quoted_gt_in_attribute": Expected(rows=4, rows_seen=4),
    "th_cells_in_body": Expected(rows=4, rows_seen=4),
    "no_hour_column": Expected(rows=4, rows_seen=4),
}


def malformed_variants() -> dict[str, bytes]:
    """Broken or unusual pages by name (UTF-8, 4 hearings unless said otherwise); MALFORMED_EXPECTED
    says what the parser must make of each.

    ParseError (the page is unusable): ``no_table``, ``other_table_id`` (``id='tabela2'``),
    ``garbage_bytes`` (50 kB of random bytes), ``commented_out_table``, ``empty_table``,
    ``table_without_th`` (a header of ``<td>``), ``missing_sygnatura_header``, ``missing_data_header``,
    ``duplicate_data_header``.

    Clean skip of bad rows, counted in bad_rows: ``invalid_dates`` (2026-02-30 and 18.05.2026),
    ``invalid_hour`` (25:99), ``hour_with_dot`` (10.30), ``empty_signature``, ``short_row`` (5 cells),
    ``long_row`` (9 cells), ``empty_tr`` (an extra ``<tr></tr>``), ``repeated_header_row`` (its "Data"
    is no date), ``truncated_mid_row`` (the page ends inside the last row, which is bad).

    Clean, every row good: ``header_only`` (no hearings), ``invalid_utf8_in_cell`` (U+FFFD in a
    description), ``truncated_after_row`` (no ``</table>``), ``nested_table_in_cell`` (its rows are no
    hearings), ``commented_out_row`` (not a hearing either), ``unclosed_cells_and_rows``,
    ``uppercase_tags``, ``comment_in_cell`` (inside a signature), ``entities_in_cells`` (``&nbsp;``,
    ``&#160;``, ``&#x2F;`` in a signature), ``thead_tbody``, ``quoted_gt_in_attribute``
    (``<tr title="a > b">``), ``th_cells_in_body`` (signatures in ``<th>``), ``no_hour_column``
    (sessions at midnight).
    """
    rows = _base_rows()
    page = _page()
    first_row = "<tr><td>II SA/Gl 100/25</td>"
    table_open = "<table id='tabela'>"
    uppercase = page
    for old, new in (
        (b"<table id='tabela'>", b"<TABLE ID='tabela'>"),
        (b"<tr", b"<TR"),
        (b"</tr>", b"</TR>"),
        (b"<td", b"<TD"),
        (b"</td>", b"</TD>"),
        (b"<th", b"<TH"),
        (b"</table>\n<br />", b"</TABLE>\n<br />"),
    ):
        uppercase = uppercase.replace(old, new)
    v: dict[str, bytes] = {
        "no_table": _page(table=False),
        "other_table_id": _edit(page, table_open, "<table id='tabela2'>"),
        "garbage_bytes": random.Random(7).randbytes(50_000),
        "commented_out_table": _edit(
            _edit(page, table_open, "<!-- " + table_open), "</table>\n<br />", "</table> -->\n<br />"
        ),
        "empty_table": _cut_after(page, table_open, 0) + b"</table></body></html>",
        "table_without_th": _edit(_edit(page, "<th", "<td", 8), "</th>", "</td>", 8),
        "missing_sygnatura_header": _page(columns=[c for c in DEFAULT_COLUMNS if c != "Sygnatura"]),
        "missing_data_header": _page(columns=[c for c in DEFAULT_COLUMNS if c != "Data"]),
        "duplicate_data_header": _page(columns=[*DEFAULT_COLUMNS, "Data"]),
        "invalid_dates": _page(rows=_set_row(_set_row(rows, 1, date="2026-02-30"), 2, date="18.05.2026")),
        "invalid_hour": _page(rows=_set_row(rows, 1, hour="25:99")),
        "hour_with_dot": _page(rows=_set_row(rows, 3, hour="10.30")),
        "empty_signature": _page(rows=_set_row(rows, 0, signature=" ")),
        "short_row": _replace_row(
            page,
            "II SA/Gl 101/25",
            "<tr class='alt'><td>II SA/Gl 101/25</td><td>2026-05-19</td><td>10:00</td>"
            "<td>Sala 1</td><td>jawne</td></tr>",
        ),
        "long_row": _edit(page, "<td>2026-05-20</td>", "<td>2026-05-20</td><td>extra</td>"),
        "empty_tr": _edit(page, "</table>\n<br />", "<tr></tr>\n</table>\n<br />"),
        "repeated_header_row": _repeat_header(page),
        "truncated_mid_row": _cut_after(page, "<td>2026-05-21</td>", 20),
        "header_only": _page(rows=[]),
        "invalid_utf8_in_cell": page.replace(b"<td>Pozwolenie na", b"<td>Pozwolenie \xff\xfe na", 1),
        "truncated_after_row": _cut_after(page, "</tr>", 1),
        "nested_table_in_cell": _edit(
            page, "<td>Sala 1</td>", "<td>Sala 1<table><tr><td>x</td><td>2026-05-18</td></tr></table></td>"
        ),
        "commented_out_row": _edit(
            page, "</table>\n<br />",
            "<!-- <tr><td>II SA/Gl 999/25</td><td>2026-05-30</td><td></td><td>Sala 1</td><td>jawne</td>"
            "<td>6010</td><td>A. Nowak</td><td>x</td></tr> -->\n</table>\n<br />",
        ),
        "unclosed_cells_and_rows": page.replace(b"</td>", b"").replace(b"</tr>", b""),
        "uppercase_tags": uppercase,
        "comment_in_cell": _edit(page, first_row, "<tr><td>II SA/Gl <!-- x -->100/25</td>"),
        "entities_in_cells": _edit(page, first_row, "<tr><td>II&nbsp;SA/Gl&#160; 100&#x2F;25</td>").replace(
            b"<td>Pozwolenie", b"<td>Pozwolenie&nbsp;&amp;&#32;&oacute;"
        ),
        "thead_tbody": _edit(
            _edit(page, table_open + "<tr>", table_open + "<thead><tr>"),
            "\n</tr>\n" + first_row,
            "\n</tr></thead>\n<tbody>" + first_row,
        ).replace(b"</tr>\n</table>", b"</tr>\n</tbody></table>"),
        "quoted_gt_in_attribute": _edit(page, first_row, '<tr title="a > b"><td>II SA/Gl 100/25</td>'),
        "th_cells_in_body": page.replace(b"<td>II SA/Gl", b"<th>II SA/Gl").replace(b"/25</td>", b"/25</th>"),
        "no_hour_column": _page(columns=[c for c in DEFAULT_COLUMNS if c != "Godz."]),
    }
    if v.keys() != MALFORMED_EXPECTED.keys():
        raise AssertionError("malformed_variants() and MALFORMED_EXPECTED disagree")
    return v


# --- Hostile pages (the parser's worst cases, for its tests and ``python -m bench parse-hostile``) -------

_HOSTILE_HEAD = ("<html><body><table id='tabela'><tr><th>Sygnatura</th><th>Data</th><th>Godz.</th>"
                 "<th>Sala</th></tr>\n")


def _repeat(unit: str, size: int, head: str = _HOSTILE_HEAD) -> bytes:
    return (head + unit * max(1, (size - len(head)) // len(unit))).encode()


#: What each hostile page repeats until it is ``size`` bytes long.
HOSTILE_PAGES: dict[str, Callable[[int], bytes]] = {
    # Before any table: every "<table " is a tag that never closes.
    "unclosed_table_tags": lambda size: _repeat("<table ", size, head="<html><body>"),
    # The same inside the hearing table (the nested-table route).
    "unclosed_table_tags_in_table": lambda size: _repeat("<table ", size),
    # Millions of rows, none of which has a cell.
    "unclosed_tr_tags": lambda size: _repeat("<tr ", size),
    # Rows whose one cell is not plain (each used to get a bs4 tree).
    "irregular_rows": lambda size: _repeat("<tr><td>x<td><p>y", size),
    # The same rows padded until they just fit the parser's work budget: the worst page that still parses.
    "irregular_rows_under_budget": lambda size: _repeat("<tr><td>x<td><p>y" + " " * 200, size),
    # Valid rows as short as the budget lets them be: the most rows (and SessionRows) per byte.
    "short_valid_rows": lambda size: _repeat(
        "<tr><td>II SA/Gl 1/26</td><td>2026-05-18</td><td>10:00</td>"
        "<td>Sala 1, parter, wejscie od strony parkingu, obok biura podawczego sadu</td></tr>\n", size),
    # Rows whose unclosed quote swallows the markup after it, in any document they share.
    "leaking_rows": lambda size: _repeat('<tr><td title="', size),
    # Nested tables in a cell, and nested inline elements in a cell.
    "deep_nesting": lambda size: _repeat("<table><tr><td>", size, head=_HOSTILE_HEAD + "<tr><td>"),
    "deep_inline_nesting": lambda size: _repeat("<span>", size, head=_HOSTILE_HEAD + "<tr><td>"),
    # One row of 100k plain cells, then one of 100k irregular ones.
    "wide_plain_row": lambda size: _repeat("<td>x</td>", size, head=_HOSTILE_HEAD + "<tr>"),
    "wide_irregular_row": lambda size: _repeat("<td><p>x", size, head=_HOSTILE_HEAD + "<tr>"),
}


def real_like_page(page: bytes, size: int) -> bytes:
    """A real page grown to ``size`` bytes by repeating its hearing rows (header and tail kept)."""
    low = page.lower()
    table = low.index(b"id='tabela'") if b"id='tabela'" in low else low.index(b'id="tabela"')
    first_row = low.index(b"<tr", low.index(b"<tr", table) + 3)
    end = low.index(b"</table", first_row)
    rows = page[first_row:end]
    copies = max(1, (size - len(page)) // len(rows) + 1)
    return page[:first_row] + rows * copies + page[end:]
