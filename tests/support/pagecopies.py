"""Copies of the real eWokanda pages, changed at test time the way courts change them.

Every helper takes page bytes and returns new bytes; the originals in ../shared/ewokanda are never
written. Rows are found in the ``table id="tabela"`` between one ``<tr`` and the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_TABLE = re.compile(rb"<table[^>]*id=['\"]?tabela", re.IGNORECASE)
_TR = re.compile(rb"<tr[\s>]", re.IGNORECASE)
_DATE_CELL = re.compile(rb"<td>(\d{4}-\d{2}-\d{2})</td>")
_CELLS = re.compile(rb"<td[^>]*>(.*?)</td>", re.DOTALL)


@dataclass
class Rows:
    head: bytes  # everything up to the first body row (the header row included)
    rows: list[bytes]
    tail: bytes  # from </table> on

    def join(self) -> bytes:
        return self.head + b"".join(self.rows) + self.tail


def split(page: bytes) -> Rows:
    table = _TABLE.search(page)
    assert table is not None, "no tabela table"
    end = page.lower().find(b"</table", table.end())
    end = len(page) if end == -1 else end  # a page cut short
    starts = [m.start() for m in _TR.finditer(page, table.end(), end)]
    body = starts[1:]  # the first <tr> is the header
    rows = [page[a:b] for a, b in zip(body, [*body[1:], end], strict=True)]
    return Rows(page[:body[0]], rows, page[end:])


def cells(row: bytes) -> list[str]:
    return [c.decode("utf-8", "replace").strip() for c in _CELLS.findall(row)]


def first_date(page: bytes) -> date:
    return min(date.fromisoformat(m.decode()) for m in _DATE_CELL.findall(page))


def shift_dates(page: bytes, days: int) -> bytes:
    """Every hearing ``days`` later (the real pages are old; states depend on today)."""
    return _DATE_CELL.sub(
        lambda m: b"<td>" + (date.fromisoformat(m.group(1).decode()) + timedelta(days=days)).isoformat().encode()
        + b"</td>", page)


def starting(page: bytes, day: date) -> bytes:
    """The page shifted so that its first hearing is on ``day``."""
    return shift_dates(page, (day - first_date(page)).days)


def _is(row: bytes, signature: str, day: str, time: str | None) -> bool:
    c = cells(row)
    return len(c) >= 3 and c[0] == signature and c[1] == day and (time is None or c[2] == time)


def find(page: bytes, signature: str, day: str | None = None) -> list[tuple[str, str]]:
    """(date, time) of the signature's rows."""
    return [(c[1], c[2]) for c in map(cells, split(page).rows) if c and c[0] == signature
            and (day is None or c[1] == day)]


def drop(page: bytes, signature: str, day: str, time: str | None = None) -> bytes:
    """The page without that hearing's row (exactly one must match)."""
    parts = split(page)
    kept = [r for r in parts.rows if not _is(r, signature, day, time)]
    assert len(kept) == len(parts.rows) - 1, f"{signature} {day} {time}: {len(parts.rows) - len(kept)} rows"
    parts.rows = kept
    return parts.join()


def move(page: bytes, signature: str, day: str, time: str, new_day: str, new_time: str) -> bytes:
    """That hearing's row with another date and hour (left where it was: pages need not be sorted)."""
    parts = split(page)
    hits = [i for i, r in enumerate(parts.rows) if _is(r, signature, day, time)]
    assert len(hits) == 1, hits
    row = parts.rows[hits[0]]
    row = row.replace(f"<td>{day}</td>".encode(), f"<td>{new_day}</td>".encode(), 1)
    row = row.replace(f"<td>{time}</td>".encode(), f"<td>{new_time}</td>".encode(), 1)
    parts.rows[hits[0]] = row
    return parts.join()


def cut_in_half(page: bytes) -> bytes:
    """The page as a dropped connection leaves it: half its rows, no ``</table>`` and nothing after."""
    parts = split(page)
    return parts.head + b"".join(parts.rows[:len(parts.rows) // 2])


def without_rows_of(page: bytes, keep: int) -> bytes:
    """A well-formed page that lists only its first ``keep`` rows (a drifted page)."""
    parts = split(page)
    parts.rows = parts.rows[:keep]
    return parts.join()


# --- The court's results (the bold text after the subject) and judgment links ------------------------------

_RESULT = re.compile(rb"<b>.*?(?=</td>)", re.DOTALL | re.IGNORECASE)
_JUDGMENT_LINK = re.compile(rb"<a href=http://orzeczenia\.nsa\.gov\.pl/doc/\w+[^>]*>.*?</a>", re.DOTALL | re.IGNORECASE)


def _edit_row(page: bytes, signature: str, day: str, edit) -> bytes:
    parts = split(page)
    hits = [i for i, r in enumerate(parts.rows) if _is(r, signature, day, None)]
    assert len(hits) == 1, f"{signature} {day}: {len(hits)} rows"
    parts.rows[hits[0]] = edit(parts.rows[hits[0]])
    return parts.join()


def without_results(page: bytes, *signatures: str) -> bytes:
    """The page as it was before the hearings: no result and no judgment link (in every row, or the
    ``signatures``' rows)."""
    parts = split(page)
    parts.rows = [_RESULT.sub(b"", r) if not signatures or cells(r)[0] in signatures else r for r in parts.rows]
    return parts.join()


def without_link(page: bytes, signature: str, day: str) -> bytes:
    """That row's result without its judgment link (not published yet)."""
    def edit(row: bytes) -> bytes:
        edited = _JUDGMENT_LINK.sub(b"", row)
        assert edited != row, f"{signature} {day} has no judgment link"
        return edited
    return _edit_row(page, signature, day, edit)


def with_result(page: bytes, signature: str, day: str, result: str) -> bytes:
    """That row's result replaced by ``result`` (a court correcting its list), its link kept."""
    def edit(row: bytes) -> bytes:
        link = _JUDGMENT_LINK.search(row)
        bold = b"<b>" + result.encode() + b"  " + (link.group() if link else b"")
        assert _RESULT.search(row), f"{signature} {day} has no result to correct"
        return _RESULT.sub(lambda _: bold, row)
    return _edit_row(page, signature, day, edit)
