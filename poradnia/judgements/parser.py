"""Parse an eWokanda page (the court's list of hearings) into session rows.

The page is one ``<table id="tabela">``: a header row of ``<th>`` cells, then one ``<tr>`` per hearing.
Columns are found by header name, never by position: NSA has an extra column and courts have
reordered them before.

Speed. A court page holds up to ~1,000 hearings but we track a few dozen signatures, and a
BeautifulSoup tree costs ~10 µs per element (~100 µs per row here): bs4 trees of just the tracked rows
would already take longer than lxml parsing the whole page. So the table is found and cut into ``<tr``
chunks in the raw bytes (lower-cased, comments blanked) by a cheap scan that also reads each row's
signature cell; with ``signatures`` given, only chunks whose signature may be tracked are decoded (a
false positive costs time, never correctness: the exact key match happens after decoding, and a cell
the scan can't read is always a candidate). The header row is parsed by bs4.

Each decoded chunk goes one of two ways that give the same cells:

* plain rows - ``<tr><td>text</td>...</tr>`` whose cells hold only text, character references and
  inline formatting tags (``<br>``, ``<b>``, ``<a>``, ``<img>``...) - are split into cells by a strict
  regex, the inline tags (text-neutral, as cell text is joined with spaces) become spaces, and the
  character references of many rows are decoded by one BeautifulSoup call;
* every other row (unclosed cells, nested tables, comments, ``<th>`` in the body, odd attributes...)
  gets its own bs4 tree.

Both use bs4's lxml tree builder, so references decode identically; the tests check that the plain
route equals the per-row bs4 tree on every real page and every malformed variant. Filtered and full
parses share the route, so they give identical rows for the tracked signatures.

Known limit: ``<tr`` or ``</table`` inside a ``<script>``/``<style>`` within the table would cut it in
the wrong place (comments are handled); eWokanda tables have neither.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bs4 import BeautifulSoup

from poradnia.contracts import WARSAW

from .signatures import normalize_signature, signature_key

#: Required and optional columns, compared after _header_key().
SIGNATURE_HEADER = "Sygnatura"
DATE_HEADER = "Data"
HOUR_HEADER = "Godz."

_BS4_FEATURES = "lxml"
_CELL_SEP = "\ue000"  # private-use code points: never in court text, kept by lxml and bs4
_ROW_SEP = "\ue001"
_DECODE_BATCH_ROWS = 256  # bounds one bs4 call (and the damage of a batch that falls back)
_MAX_PLAIN_TAGS = 1000  # a row with more tags goes straight to the tree route
_TREE_BATCH_ROWS = 1000  # irregular rows per lxml document

# --- Charset detection ----------------------------------------------------------------------------

_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_SNIFF_BYTES = 4096
# Codecs in which every byte below 0x80 is that ASCII character (so "<tr" can be found in the bytes)
# and a character never spans a "<": the table can be cut in the raw bytes and decoded per row.
_ASCII_SAFE = re.compile(r"utf-8|ascii|cp125\d|iso8859-\d+|koi8-\w")


#: The codecs a court page may be decoded with: Polish courts serve UTF-8, ISO-8859-2 or windows-1250,
#: and these are their neighbours. All decode in C in linear time; others may not (``punycode`` is
#: quadratic pure Python, ``idna`` raises on long labels), so any other label is a ParseError.
PAGE_CODECS = frozenset({
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1",
    *(f"iso8859-{n}" for n in (1, 2, 3, 4, 9, 10, 13, 14, 15, 16)), *(f"cp125{n}" for n in range(9)),
})


def _codec_name(label: str, court: str) -> str:
    """The Python codec for a charset label on the list above; any other label is a ParseError."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        name = ""
    if name not in PAGE_CODECS:
        raise ParseError(court, f"charset {label[:40]!r} is not one a court page uses (UTF-8, ISO-8859-2, "
                                "windows-1250 and the like)")
    return name


def _page_codec(body: bytes, content_type: str | None, court: str = "") -> str:
    if content_type and (match := _CT_CHARSET.search(content_type)):
        return _codec_name(match.group(1), court)
    if match := _META_CHARSET.search(body, 0, _META_SNIFF_BYTES):
        return _codec_name(match.group(1).decode("ascii"), court)
    return "utf-8"


def decode_page(body: bytes, content_type: str | None, court: str = "") -> str:
    """Decode a page: charset from the HTTP header, else from a ``<meta>`` near the top, else UTF-8.

    Courts have served windows-1250 and ISO-8859-2 as well as UTF-8; undecodable bytes become U+FFFD
    rather than failing the whole court. A label outside ``PAGE_CODECS`` raises ParseError.
    """
    codec = _page_codec(body, content_type, court)
    return body.decode("utf-8-sig" if codec == "utf-8" else codec, errors="replace")


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One hearing: the normalised signature, its start (midnight when the page gives no hour) and
    every column as ``Header: value`` lines, kept for the notification e-mail and for change detection."""

    signature: str
    time: datetime
    description: str


class ParseError(Exception):
    """The page is not an eWokanda listing we can read (no table, a required header missing).

    Not retryable: fetching the same page again gives the same markup.
    """

    def __init__(self, court: str, reason: str) -> None:
        super().__init__(f"{court or 'eWokanda page'}: {reason}")
        self.court = court
        self.reason = reason

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:  # pickles despite two arguments
        return (type(self), (self.court, self.reason))


class PageTooComplex(ParseError):
    """The page would take more work than its size allows (see ``_Budget``): a hostile or broken page.

    Not retryable, and only that court fails; the reason says which limit was hit.
    """


@dataclass
class ParseResult:
    """The rows (all, or only the tracked ones) plus counters for the sync summary.

    ``rows_seen`` counts every ``<tr>`` after the header. ``bad_rows`` counts rows skipped for an
    invalid/missing date, an invalid hour, an empty signature or a wrong number of cells; with
    ``signatures`` given only candidate rows are examined, so it counts bad rows among those.
    """

    rows: list[SessionRow] = field(default_factory=list)
    rows_seen: int = 0
    bad_rows: int = 0
    headers: list[str] = field(default_factory=list)
    truncated: bool = False  # the table never closed: the page was cut off, rows may be missing
    #: With ``signatures`` given: the tracked signatures (as printed) of bad rows whose signature cell
    #: could still be read. Each is a tracked hearing the sync could not see.
    unreadable: list[str] = field(default_factory=list)
    #: Units of work spent (page bytes scanned plus bytes given to lxml for irregular rows): the
    #: complexity the tests bound; at most ``_Budget`` allows for the page's size.
    work: int = field(default=0, compare=False)


# --- Raw-text scanning ----------------------------------------------------------------------------
#
# The table is located and cut into rows in the page's bytes, lower-cased (ASCII only, so offsets
# don't move) and with comments blanked, where "<tr" is a plain literal the regex engine finds fast.
# Tag names end at whitespace, "/" or ">" (so "<track" and "<tr-x>" are not rows).

_END = rb"(?=[\s/>])"
# No "<" inside: an attempt ends at the next "<" at the latest, so finditer is linear in the page (with
# "<" allowed, every one of n unclosed "<table " tags scanned to the end of the page: quadratic).
_TABLE_TAG_B = re.compile(rb"""<table""" + _END + rb"""((?:[^<>"']|"[^<>"]*"|'[^<>']*')*+)>""")
_TABELA_ID_B = re.compile(rb"""(?:^|[\s/])id\s*=\s*(?:"\s*tabela\s*"|'\s*tabela\s*'|tabela(?![^\s/>]))""")
_TABLE_OPEN_B = re.compile(rb"<table" + _END)
_TABLE_CLOSE_B = re.compile(rb"</table" + _END)
_TR_B = re.compile(rb"<tr" + _END)
_TOKEN_B = re.compile(rb"<(?:(/?)table|tr)" + _END)  # group 1: None for <tr, b"" or b"/" for table
_COMMENT_B = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)
_CELL_TAG_B = re.compile(rb"<t[dh]")


def _blank_comments(low: bytes) -> bytes:
    """Comments become spaces of the same length, so a commented-out row or table is no token.

    (Raw-text elements such as <script> are not blanked: they don't occur in these tables and each
    extra pass over the page costs ~5% of a filtered parse.)
    """
    return _COMMENT_B.sub(lambda m: b" " * len(m.group()), low)


# Attributes of a tag we are willing to read with a regex: no "<" or ">" anywhere and balanced quotes.
# A quoted ">" would end the tag later than the regex thinks, so such a tag doesn't match and its row
# goes to bs4 (or counts as a candidate) instead.
_ATTRS = r"""(?:[^<>"']|"[^<>"]*"|'[^<>']*')*+"""

# What a plain cell may hold: characters (no markup, no control characters, no separators),
# well-formed character references, a bare "&", and inline tags that carry no text of their own.
_TEXT = r"[^<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000\ue001\ufffe\uffff]"
_INLINE_TAGS = "a|abbr|b|big|em|font|i|small|span|strong|sub|sup|u"
_VOID_TAGS = "br|img|wbr"
_REFS = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});|&(?![A-Za-z0-9#])"
_INLINE = rf"<(?:/?(?:{_INLINE_TAGS})|{_VOID_TAGS})(?=[\s/>]){_ATTRS}>"
_CONTENT = rf"(?:{_TEXT}++|{_REFS}|{_INLINE})*+"
_ROW_OPEN = re.compile(rf"<tr(?=[\s/>]){_ATTRS}>\s*+", re.IGNORECASE)
_PLAIN_CELL = re.compile(rf"<td(?=[\s/>]){_ATTRS}>({_CONTENT})</td\s*>\s*+", re.IGNORECASE)
_PLAIN_ROW_ANY = re.compile(
    rf"<tr(?=[\s/>]){_ATTRS}>\s*+(?:<td(?=[\s/>]){_ATTRS}>{_CONTENT}</td\s*>\s*+)*+(?:</tr\s*>\s*+)?", re.IGNORECASE
)
_ROW_END = re.compile(r"</tr\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_ODD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@functools.lru_cache(maxsize=32)
def _plain_row_re(cells: int) -> re.Pattern[str]:
    """A whole plain row of exactly ``cells`` cells, one group per cell: one regex call per row."""
    cell = rf"<td(?=[\s/>]){_ATTRS}>({_CONTENT})</td\s*>\s*+"
    return re.compile(rf"<tr(?=[\s/>]){_ATTRS}>\s*+{cell * cells}(?:</tr\s*>\s*+)?", re.IGNORECASE)


@functools.lru_cache(maxsize=32)
def _signature_re(index: int) -> re.Pattern[bytes]:
    """Matches at every ``<tr`` of the lower-cased bytes, capturing (group 1) the raw text of the row's
    ``index``-th cell when it is plain text; otherwise group 1 is None.

    Only decides which rows are worth decoding: a row whose cell it can't read is a candidate. What it
    consumes past ``<tr`` (cells of text and inline tags) can't hide a table or row tag.
    """
    text = rb"[^<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    content = rb"(?:" + text + rb"++|" + _REFS.encode() + rb"|" + _INLINE.encode() + rb")*+"
    cell_open = rb"<t[dh]" + _END + _ATTRS.encode() + rb">"
    before = rb"(?:" + cell_open + content + rb"</t[dh]\s*>\s*+){%d}" % index if index else b""
    plain = text + rb"*+"
    cell = rb"(?:" + _ATTRS.encode() + rb">\s*+" + before + cell_open + rb"(" + plain + rb")</t[dh]\s*>)?"
    return re.compile(rb"<tr" + _END + cell)


def _collapse(text: str) -> str:
    """Whitespace runs (NBSP included) to one space: the same set as normalize_signature, faster."""
    return " ".join(text.split())


def _table_start(low: bytes, court: str) -> int:
    """Offset just past the ``<table id="tabela">`` tag."""
    for match in _TABLE_TAG_B.finditer(low):
        if _TABELA_ID_B.search(match.group(1)):
            return match.end()
    raise ParseError(court, 'page has no table id="tabela"')


def _nested_row_starts(low: bytes, start: int) -> tuple[list[int], int, bool]:
    """(starts, end, closed) for a table with tables nested in its cells: their rows aren't its own."""
    starts: list[int] = []
    depth = 0
    for token in _TOKEN_B.finditer(low, start):
        closing = token.group(1)
        if closing is None:
            if depth == 0:
                starts.append(token.start())
        elif not closing:
            depth += 1
        elif depth == 0:
            return starts, token.start(), True
        else:
            depth -= 1
    return starts, len(low), False


@dataclass
class _Layout:
    cols: _Columns
    rows: list[tuple[int, int]]  # (start, end) of each body row chunk
    captures: list[bytes | None] | None  # per row, the raw signature cell (see _signature_re), if asked
    closed: bool  # False: no </table>, the page was cut off


def _layout(
    low: bytes, start: int, court: str, header_text: Callable[[int, int], str], capture: bool, budget: _Budget
) -> _Layout:
    """Cut the table into the header and row chunks, read the header, and (``capture``) grab each row's
    signature cell: in the usual case (no nested tables) one pass over the bytes finds both."""
    close = _TABLE_CLOSE_B.search(low, start)
    end = close.start() if close else len(low)
    nested = low.find(b"<table", start, end) != -1
    # Each row found costs Python objects: charge them (counted in C) before making any.
    budget.charge(budget.ROW_UNITS * (low.count(b"<tr", start) + (low.count(b"<table", start) if nested else 0)))
    if not nested:
        first = _TR_B.search(low, start, end)
        if first is None:
            raise ParseError(court, 'table id="tabela" has no rows')
        second = _TR_B.search(low, first.end(), end)
        body_start = second.start() if second else end
        cols = _columns(header_text(first.start(), body_start), court)
        if capture:
            rows = _signature_re(cols.signature).finditer(low, body_start, end)
            found = [(m.start(), m.group(1)) for m in rows]
            starts, captures = [s for s, _ in found], [c for _, c in found]
        else:
            starts, captures = [m.start() for m in _TR_B.finditer(low, body_start, end)], None
        closed = close is not None
    else:
        all_starts, end, closed = _nested_row_starts(low, start)
        if not all_starts:
            raise ParseError(court, 'table id="tabela" has no rows')
        cols = _columns(header_text(all_starts[0], all_starts[1] if len(all_starts) > 1 else end), court)
        starts = all_starts[1:]
        signature_cell = _signature_re(cols.signature)
        captures = [signature_cell.match(low, s).group(1) for s in starts] if capture else None
    bounds = [*starts, end]
    return _Layout(cols, list(zip(bounds[:-1], bounds[1:], strict=True)), captures, closed)


# --- Row decoding ---------------------------------------------------------------------------------


def _bs4_cells(chunk: str) -> list[str] | None:
    """Cell texts of one row via a bs4 tree, or None when the chunk holds no row at all."""
    soup = BeautifulSoup(f"<table>{chunk}</table>", _BS4_FEATURES)
    row = soup.find("tr")
    if row is None:
        return None
    return [cell.get_text(" ") for cell in row.find_all(["td", "th"], recursive=False)]


def _plain_cells(chunk: str, expected: int) -> list[str] | None:
    """Raw cell contents of a plain row (inline tags already spaces), else None (not plain)."""
    match = _plain_row_re(expected).fullmatch(chunk)
    if match is not None:
        return [_ANY_TAG.sub(" ", cell) if "<" in cell else cell for cell in match.groups()]
    if _PLAIN_ROW_ANY.fullmatch(chunk) is None:  # a plain row with another cell count?
        return None
    return _PLAIN_CELL.findall(chunk, _ROW_OPEN.match(chunk).end())  # type: ignore[union-attr]


def _decode_batch(raw_rows: Sequence[list[str]]) -> list[list[str]] | None:
    """Decode the character references of many plain rows in one bs4 call (None: layout not kept)."""
    joined = _ROW_SEP.join(_CELL_SEP.join(cells) for cells in raw_rows)
    decoded = BeautifulSoup(f"<p>{joined}</p>", _BS4_FEATURES).get_text()
    rows = [row.split(_CELL_SEP) for row in decoded.split(_ROW_SEP)]
    if len(rows) != len(raw_rows) or any(len(a) != len(b) for a, b in zip(rows, raw_rows, strict=True)):
        return None
    return rows


def _decode_rows(chunks: Sequence[str], cols: _Columns, force_dom: bool,
                 budget: _Budget) -> list[list[str] | None]:
    """Cell texts of each row chunk, in order: plain rows batched, the rest through one lxml tree.

    A plain row with the wrong number of cells is bad whatever its text, so it isn't decoded (the
    caller already dropped chunks without any ``<td``/``<th``).
    """
    out: list[list[str] | None] = [None] * len(chunks)
    if force_dom:
        return [_bs4_cells(chunk) for chunk in chunks]
    expected = len(cols.headers)
    plain_at: list[int] = []
    plain_raw: list[list[str]] = []
    irregular: list[int] = []
    for i, chunk in enumerate(chunks):
        # No real row has a thousand tags: skip the regexes (one pass each) and let the tree's budget decide.
        cells = _plain_cells(chunk, expected) if chunk.count("<") <= _MAX_PLAIN_TAGS else None
        if cells is None:
            irregular.append(i)
        elif len(cells) != expected or not cells:
            out[i] = cells
        else:
            plain_at.append(i)
            plain_raw.append(cells)
    for b in range(0, len(plain_at), _DECODE_BATCH_ROWS):
        at, raw = plain_at[b : b + _DECODE_BATCH_ROWS], plain_raw[b : b + _DECODE_BATCH_ROWS]
        decoded = _decode_batch(raw)
        if decoded is None:  # e.g. a reference to a separator code point: let the tree read them
            irregular.extend(at)
            continue
        for j, i in enumerate(at):
            out[i] = decoded[j]
    if irregular:
        irregular.sort()
        cells = _tree_cells([chunks[i] for i in irregular], expected, cols.signature, budget)
        for i, row_cells in zip(irregular, cells, strict=True):
            out[i] = row_cells
    return out


# --- Irregular rows: one lxml tree for all of them ------------------------------------------------
#
# bs4 costs ~10 µs per element and one tree per row costs ~0.4 ms more, so a page of 4 MB of "<tr "
# took minutes. Instead all irregular rows go into one document, each as ``<table>chunk</table>``
# followed by a marker element carrying a random id, parsed once by lxml (the same libxml2 parser bs4
# drives, fed the same way) and read with bs4's get_text() rules. The document is valid for a row when
# its table and marker are the body's children at the expected place: nothing of the chunk leaked
# out of its table and nothing before it leaked in. The rows before the first misplaced one are taken;
# that row is parsed alone (exactly the reference's one-row document) and the rest go round again.
# Every document parsed is charged to the page's _Budget, which bounds the retries.

#: bs4 keeps the strings inside these in other string classes that get_text() leaves out.
_NON_TEXT_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})


class _Budget:
    """The work a page may cost: ``WORK_PER_BYTE`` units per byte of page plus a small fixed allowance.

    One unit is one byte through a scanning pass (~14 ns); rows and the tags of irregular rows are
    charged at their measured cost in units, counted in C before any Python object is made for them.
    Real pages use 9-10 units per byte (half of it per row: ~30 µs each), the same pages with every
    row irregular 13-14.5; the limit of 20 keeps the worst page that still parses within about twice
    a real page's time per MB (``python -m bench parse-hostile``), and refuses pages of rows shorter
    than ~140 bytes (real rows are 400-500 bytes).
    """

    WORK_PER_BYTE = 20
    ROW_UNITS = 50  # per "<tr" (and "<table" in a table with nested ones): finding and filtering it
    CELL_ROW_UNITS = 2000  # per row with cells: decoding it, the regexes, the SessionRow and its description
    TAG_UNITS = 100  # per tag of an irregular row: building and reading its lxml element
    BASE = 4 << 20
    MAX_DOCUMENTS = 64
    MAX_HEADER_TAGS = 1000

    def __init__(self, court: str, page_bytes: int) -> None:
        self.court = court
        self.limit = self.BASE + self.WORK_PER_BYTE * page_bytes
        self.work = 0
        self.documents = 0

    def charge_tree(self, markup: str, *, retry: bool) -> None:
        """Before lxml parses ``markup``: its bytes, and TAG_UNITS per tag (building and reading an element).
        ``retry``: a document made because an earlier one went wrong (these are also counted)."""
        self.charge(len(markup) + self.TAG_UNITS * markup.count("<"), document=retry)

    def charge(self, units: int, *, document: bool = False) -> None:
        self.work += units
        self.documents += document
        if self.work > self.limit:
            raise PageTooComplex(self.court, f"parsing would take more than {self.limit} units of work "
                                 f"({self.WORK_PER_BYTE} per byte of page)")
        if self.documents > self.MAX_DOCUMENTS:
            raise PageTooComplex(self.court, f"more than {self.MAX_DOCUMENTS} extra documents for rows that "
                                 "break out of a shared one")


def _lxml_root(markup: str):  # -> lxml.etree._Element
    from lxml import etree

    parser = etree.HTMLParser(recover=True)  # as bs4's lxml builder makes it
    parser.feed(markup)
    return parser.close()


def _element_text(cell) -> str:  # cell: lxml.etree._Element
    """bs4's ``cell.get_text(" ")``: every string, joined by spaces, except comments, processing
    instructions and what sits inside script/style/template/rt/rp. Iterative: deep nesting is fine."""
    if len(cell) == 0:
        return cell.text or ""
    if next(cell.iter(*_NON_TEXT_CONTAINERS), None) is None:
        return " ".join(cell.itertext())  # itertext() already skips comments and PIs
    from lxml import etree

    parts: list[str] = []
    hidden = 0
    for event, el in etree.iterwalk(cell, events=("start", "end", "comment", "pi")):
        if event == "start":
            if el.tag in _NON_TEXT_CONTAINERS:
                hidden += 1
            if el.text and not hidden:
                parts.append(el.text)
            continue
        if event == "end" and el.tag in _NON_TEXT_CONTAINERS:
            hidden -= 1
        if el is not cell and el.tail and not hidden:
            parts.append(el.tail)
    return " ".join(parts)


def _row_cells(tr, expected: int, signature: int) -> list[str]:  # tr: lxml.etree._Element
    cells = [el for el in tr if el.tag in ("td", "th")]
    if len(cells) != expected:  # a bad row: only its signature cell is read (for the alert)
        return [_element_text(el) if i == signature else "" for i, el in enumerate(cells)]
    return [_element_text(el) for el in cells]


def _tree_cells(chunks: Sequence[str], expected: int, signature: int,
                budget: _Budget) -> list[list[str] | None]:
    import secrets

    out: list[list[str] | None] = [None] * len(chunks)
    # (retry, rows) in batches of bounded size: a tree of a whole 20 MB page costs more per row (memory, GC).
    todo = [(False, list(range(b, min(b + _TREE_BATCH_ROWS, len(chunks)))))
            for b in range(0, len(chunks), _TREE_BATCH_ROWS)][::-1]
    while todo:
        retry, batch = todo.pop()
        if len(batch) == 1:  # alone: the reference's one-row document, whatever it holds
            markup = f"<table>{chunks[batch[0]]}</table>"
            budget.charge_tree(markup, retry=retry)
            tr = next(_lxml_root(markup).iter("tr"), None)
            out[batch[0]] = None if tr is None else _row_cells(tr, expected, signature)
            continue
        nonce = secrets.token_hex(8)  # a page can't forge a marker it can't guess
        markup = "".join(f'<table>{chunks[i]}</table><hr id="{nonce}-{k}">' for k, i in enumerate(batch))
        budget.charge_tree(markup, retry=retry)
        root = _lxml_root(markup)
        body = root[0] if len(root) == 1 and root[0].tag == "body" else None
        if body is None:  # something went to <head> or beside the body: can't tell whose, split
            half = len(batch) // 2
            todo += [(True, batch[half:]), (True, batch[:half])]
            continue
        children = list(body)
        good = 0
        for table, marker in zip(children[::2], children[1::2], strict=False):  # a leak may leave an odd count
            if good == len(batch) or table.tag != "table" or marker.get("id") != f"{nonce}-{good}":
                break
            first = table[0] if len(table) else None  # usually the row itself
            tr = first if first is not None and first.tag == "tr" else next(table.iter("tr"), None)
            out[batch[good]] = None if tr is None else _row_cells(tr, expected, signature)
            good += 1
        if good < len(batch):  # batch[good] is misplaced: it goes alone, the rest in a new document
            if good + 1 < len(batch):
                todo.append((True, batch[good + 1 :]))
            todo.append((True, batch[good : good + 1]))
    return out


# --- Header and rows ------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return name.casefold().rstrip(".:").strip()


@dataclass(frozen=True, slots=True)
class _Columns:
    headers: list[str]
    signature: int
    date: int
    hour: int | None
    order: list[int]  # column indexes sorted by header name, for the description
    labels: list[str]


@functools.lru_cache(maxsize=64)
def _header_cells(chunk: str) -> tuple[tuple[str, str], ...]:
    """(tag name, text) of each header cell, parsed by bs4.

    Cached: every court serves byte-identical header markup every night, and a bs4 tree of it costs
    as much as decoding ~30 rows.
    """
    soup = BeautifulSoup(f"<table>{chunk}</table>", _BS4_FEATURES)
    row = soup.find("tr")
    cells = row.find_all(["th", "td"], recursive=False) if row is not None else []
    return tuple((cell.name, _collapse(cell.get_text(" "))) for cell in cells)


def _columns(chunk: str, court: str) -> _Columns:
    """Column indexes from the header row."""
    cells = _header_cells(chunk)
    if not any(name == "th" for name, _ in cells):
        raise ParseError(court, 'table id="tabela" has no header row of <th> cells')
    headers = [text for _, text in cells]
    keys = [_header_key(h) for h in headers]

    def find(name: str, required: bool) -> int | None:
        hits = [i for i, key in enumerate(keys) if key == _header_key(name)]
        found = ", ".join(headers) or "none"
        if len(hits) > 1:
            raise ParseError(court, f"header {name!r} appears {len(hits)} times (found: {found})")
        if not hits and required:
            raise ParseError(court, f"header {name!r} missing (found: {found})")
        return hits[0] if hits else None

    signature = find(SIGNATURE_HEADER, True)
    date = find(DATE_HEADER, True)
    hour = find(HOUR_HEADER, False)
    assert signature is not None and date is not None
    labels = [h or f"#{i + 1}" for i, h in enumerate(headers)]
    order = sorted(range(len(headers)), key=labels.__getitem__)
    return _Columns(headers, signature, date, hour, order, labels)


_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HOUR = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def _local_time(naive: datetime) -> datetime:
    """A Warsaw wall-clock time as a real instant, normalised (a round trip through UTC).

    zoneinfo's rules with fold=0: a time that doesn't exist (02:30 on the spring-forward night) moves
    forward by the gap (03:30 CEST, what a clock would show had someone set it to 02:30 CET); an
    ambiguous one (02:30 on the autumn night) is its first occurrence (CEST). Without the round trip
    the row keeps a nonexistent 02:30 that the database stores as 03:30, so every run saw a change.
    """
    return naive.replace(tzinfo=WARSAW).astimezone(UTC).astimezone(WARSAW)


def _session_row(cells: list[str] | None, cols: _Columns) -> SessionRow | None:
    """A SessionRow, or None for a bad row (wrong cell count, bad date or hour, empty signature)."""
    if cells is None or len(cells) != len(cols.headers):
        return None
    values = [_collapse(cell) for cell in cells]
    signature = normalize_signature(values[cols.signature])
    date = _DATE.fullmatch(values[cols.date])
    if not signature or date is None:
        return None
    hour, minute = 0, 0
    if cols.hour is not None and values[cols.hour]:
        hm = _HOUR.fullmatch(values[cols.hour])
        if hm is None:
            return None
        hour, minute = int(hm.group(1)), int(hm.group(2))
    try:
        year, month, day = map(int, date.groups())
        when = _local_time(datetime(year, month, day, hour, minute))
    except ValueError:  # 2026-02-30, 25:99
        return None
    description = "\n".join(f"{cols.labels[i]}: {values[i]}" for i in cols.order)
    return SessionRow(signature=signature, time=when, description=description)


def _readable_row(cells: list[str] | None, cols: _Columns) -> SessionRow | None:
    """_session_row(), with any failure a bad row: one odd row (0001-01-01 00:30 is before year 1 in UTC)
    must not cost the court. A year at the ends of the calendar is bad too: date arithmetic on it overflows."""
    try:
        row = _session_row(cells, cols)
    except Exception:  # noqa: BLE001 - whatever a row does, it is one bad row
        return None
    return row if row is None or 1 < row.time.year < 9999 else None


class _Tracked:
    """The tracked signature keys, and a cheap conservative test on a row's raw signature cell."""

    def __init__(self, signatures: Iterable[str], codec: str) -> None:
        self.keys = {k for k in map(signature_key, signatures) if k}
        self.codec = codec
        self.raw_keys: set[bytes] = set()  # as they'd appear in the lower-cased page bytes
        for key in self.keys:
            try:
                self.raw_keys.add(key.lower().encode(codec))
            except UnicodeEncodeError:
                pass  # can only appear as character references, which make the row a candidate

    def may_match(self, raw: bytes | None) -> bool:
        """False only when the cell's text certainly isn't a tracked signature."""
        if raw is None:
            return True  # not plain text: let bs4 decide
        if raw.isascii():  # ASCII whitespace is all bytes.split() splits on, and all there can be here
            return b" ".join(raw.split()) in self.raw_keys
        text = raw.decode(self.codec, errors="replace")  # zero-width characters, NFKC forms: the full key
        return _ODD_CHARS.search(text) is not None or signature_key(_collapse(text)) in self.keys


#: Passes over the page's bytes before rows are decoded (lower-casing, comments, table, rows, decoding).
_SCAN_PASSES = 5


def _header_chunk(body: bytes, start: int, end: int, codec: str, budget: _Budget) -> str:
    """The header row's markup; it goes to bs4, so a header of thousands of tags is refused first."""
    tags = body.count(b"<", start, end)
    if tags > budget.MAX_HEADER_TAGS:
        raise PageTooComplex(budget.court, f"the header row has {tags} tags (at most {budget.MAX_HEADER_TAGS})")
    budget.charge(end - start)
    return body[start:end].decode(codec, errors="replace")


def _parse(
    body: bytes,
    *,
    content_type: str | None = None,
    court: str = "",
    signatures: Iterable[str] | None = None,
    force_dom: bool = False,
) -> ParseResult:
    """parse_page(); ``force_dom`` decodes every row through a bs4 tree (the reference the tests use)."""
    budget = _Budget(court, len(body))  # charged before any decoding: a page's cost is bounded by its size
    codec = _page_codec(body, content_type, court)
    if _ASCII_SAFE.fullmatch(codec) is None:  # e.g. UTF-16: re-encode once so bytes can be scanned
        budget.charge(2 * len(body))
        body, codec = decode_page(body, content_type, court).encode("utf-8"), "utf-8"
    budget.charge(_SCAN_PASSES * len(body))
    low = body.lower()
    if b"<!--" in low:
        low = _blank_comments(low)
    tracked = None if signatures is None else _Tracked(signatures, codec)
    layout = _layout(
        low,
        _table_start(low, court),
        court,
        header_text=lambda a, b: _header_chunk(body, a, b, codec, budget),
        capture=tracked is not None,
        budget=budget,
    )
    cols = layout.cols
    result = ParseResult(rows_seen=len(layout.rows), headers=cols.headers, truncated=not layout.closed)
    spans = layout.rows
    if tracked is not None and not tracked.keys:
        spans = []
    elif tracked is not None:  # the cheap prefilter; the exact key match comes after decoding
        captures = layout.captures if layout.captures is not None else [None] * len(spans)
        spans = [s for s, raw in zip(spans, captures, strict=True) if tracked.may_match(raw)]
    # A row without any "<td"/"<th" has no cells whatever a tree makes of it: bad, and not decoded
    # (a page of millions of "<tr " would otherwise cost a few µs of Python each).
    with_cells = [(a, b) for a, b in spans if _CELL_TAG_B.search(low, a + 3, b) is not None]
    result.bad_rows += len(spans) - len(with_cells)
    spans = with_cells
    budget.charge(budget.CELL_ROW_UNITS * len(spans))
    chunks = [body[a:b].decode(codec, errors="replace") for a, b in spans]
    unfinished = None  # the page was cut off inside the last row: its last cell may be incomplete
    if not layout.closed and spans and spans[-1] == layout.rows[-1] and not _ROW_END.search(chunks[-1]):
        unfinished = len(chunks) - 1
    for i, cells in enumerate(_decode_rows(chunks, cols, force_dom, budget)):
        row = None if i == unfinished else _readable_row(cells, cols)
        if row is None:
            result.bad_rows += 1
            if tracked is not None and cells is not None and len(cells) > cols.signature:
                signature = normalize_signature(_collapse(cells[cols.signature]))
                if signature_key(signature) in tracked.keys and signature not in result.unreadable:
                    result.unreadable.append(signature)
        elif tracked is None or signature_key(row.signature) in tracked.keys:
            result.rows.append(row)
    result.work = budget.work
    return result


def parse_page(
    body: bytes,
    *,
    content_type: str | None = None,
    court: str = "",
    signatures: Iterable[str] | None = None,
) -> ParseResult:
    """Parse an eWokanda page; with ``signatures``, return only the rows of those (any case/spacing).

    Raises ParseError when the page has no ``table id="tabela"``, lacks the Sygnatura/Data headers or
    names a charset outside ``PAGE_CODECS``; any failure nobody foresaw is a ParseError too (the same
    page fails the same way again, so it is not retried). Rows that can't be read are skipped and
    counted in ``bad_rows``.
    """
    try:
        return _parse(body, content_type=content_type, court=court, signatures=signatures)
    except (ParseError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - one court's page, never the run
        raise ParseError(court, f"page cannot be read: {type(exc).__name__}: {str(exc)[:200]}") from exc
