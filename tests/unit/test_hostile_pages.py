"""The parser on hostile pages: bounded work, PageTooComplex past the bound, and the one-tree route for
irregular rows giving exactly what one bs4 tree per row gives."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devtools.synthetic import HOSTILE_PAGES, real_like_page
from poradnia.judgements import parser
from poradnia.judgements.parser import PageTooComplex, ParseError, parse_page
from tests.support.paths import SHARED

ROOT = Path(__file__).resolve().parents[2]
HEAD = ("<html><body><table id='tabela'><tr><th>Sygnatura</th><th>Data</th><th>Godz.</th>"
        "<th>Sala</th></tr>\n")

# Rows that are not plain, several of which break out of any document they share with other rows.
IRREGULAR = [
    "<tr><td>II SA/Gl {n}/26<td>2026-05-18<td>10:00<td>Sala {n}",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><p>Sala</p> {n}</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td title=\"unclosed {n}</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><script>x</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td>a<style>b</style>c</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><textarea>t</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><template>t</template>u</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><ruby>r<rt>t</rt><rp>(</rp></ruby></td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td>x</td></tr></table><p>after {n}",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><table><tr><td>in</td></tr></table></td>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td>a<!-- c -->b<?pi x?>d</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><select><option>o</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><title>t</title><body>b</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td>x</td><th>extra</th></tr>",
    "<tr><th>II SA/Gl {n}/26</th><td>2026-05-18</td><td>10.00</td><td>bad hour</td></tr>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><div><span>deep</span> {n}</div>",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td>x</td></tr><hr id=\"fake-{n}\">",
    "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>10:00</td><td><plaintext>p</td></tr>",
]
PLAIN = "<tr><td>II SA/Gl {n}/26</td><td>2026-05-18</td><td>1{d}:00</td><td>Sala {n}</td></tr>\n"


def mixed_page(seed: int, rows: int = 120, leaky: bool = True) -> bytes:
    rng = random.Random(seed)
    kinds = IRREGULAR if leaky else IRREGULAR[:2] + IRREGULAR[4:5] + IRREGULAR[6:8] + IRREGULAR[13:16]
    parts = [HEAD]
    for n in range(rows):
        template = rng.choice(kinds) if rng.random() < 0.6 else PLAIN
        parts.append(template.format(n=n, d=n % 10) + "\n")
    return ("".join(parts) + "</table></body></html>").encode()


@pytest.mark.parametrize("seed", range(12))
def test_one_tree_for_irregular_rows_equals_a_bs4_tree_per_row(seed: int) -> None:
    body = mixed_page(seed, leaky=seed % 3 != 0)
    fast = parse_page(body)
    assert fast.bad_rows and fast.rows  # both kinds are there
    assert parser._parse(body, force_dom=True) == fast


def test_rows_that_leak_are_read_alone_and_the_others_share_one_document(monkeypatch) -> None:
    documents: list[int] = []
    real = parser._lxml_root
    monkeypatch.setattr(parser, "_lxml_root", lambda markup: documents.append(len(markup)) or real(markup))
    quiet = mixed_page(1, rows=300, leaky=False)
    parse_page(quiet)
    assert len(documents) == 1  # every irregular row of the page in one tree
    documents.clear()
    assert parse_page(mixed_page(2, rows=300)) == parser._parse(mixed_page(2, rows=300), force_dom=True)
    assert 1 < len(documents) <= parser._Budget.MAX_DOCUMENTS


def count_soups(monkeypatch) -> list[int]:
    made: list[int] = []
    real = parser.BeautifulSoup

    def soup(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(parser, "BeautifulSoup", soup)
    return made


@pytest.mark.parametrize("kind", sorted(HOSTILE_PAGES))
@pytest.mark.parametrize("size", [50_000, 400_000])
def test_hostile_pages_cost_bounded_work(kind: str, size: int, monkeypatch) -> None:
    """Work (scanning passes plus what goes through lxml) stays within the page's budget, and bs4 builds
    at most the header's tree plus one per 256 plain rows: never one per row."""
    soups = count_soups(monkeypatch)
    body = HOSTILE_PAGES[kind](size)
    budget = parser._Budget("WSA_Test", len(body))
    plain_rows = 0
    try:
        result = parse_page(body, court="WSA_Test")
    except PageTooComplex as error:
        assert error.court == "WSA_Test" and error.reason
    except ParseError as error:
        assert "tabela" in error.reason  # the unclosed <table> before any table
    else:
        assert result.work <= budget.limit
        plain_rows = len(result.rows)
    assert len(soups) <= 1 + -(-plain_rows // parser._DECODE_BATCH_ROWS)  # the header, then per 256 rows


def test_page_too_complex_is_a_parse_error_that_pickles() -> None:
    import pickle

    with pytest.raises(PageTooComplex) as error:
        parse_page(HOSTILE_PAGES["irregular_rows"](1_000_000), court="WSA_Test")
    copy = pickle.loads(pickle.dumps(error.value))
    assert isinstance(copy, PageTooComplex) and isinstance(copy, ParseError) and copy.court == "WSA_Test"
    assert "units of work" in copy.reason


def test_real_pages_and_all_irregular_real_pages_are_within_the_budget() -> None:
    pages = sorted((SHARED / "pages").glob("*.html"))
    if not pages:
        pytest.skip(f"recorded eWokanda pages not available ({SHARED})")
    for path in pages:
        body = path.read_bytes()
        irregular = body.replace(b"</td>", b"")  # every row through the tree route
        full = parse_page(irregular)
        assert full.rows and full.work <= parser._Budget("", len(irregular)).limit, path.name
    big = real_like_page(pages[0].read_bytes(), 5_000_000)
    assert len(parse_page(big).rows) > 9_000


CHILD = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_CPU, ({limit}, {limit}))
    sys.path.insert(0, {root!r})
    from poradnia.judgements.parser import ParseError, parse_page
    from devtools.synthetic import HOSTILE_PAGES
    body = HOSTILE_PAGES[{kind!r}]({size})
    try:
        parse_page(body)
    except ParseError as error:
        print(type(error).__name__)
    else:
        print("parsed")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_utime)
""")


@pytest.mark.parametrize(("kind", "size"), [("unclosed_table_tags", 280_000), ("unclosed_tr_tags", 4_000_000)])
def test_the_inputs_that_took_minutes_finish_under_a_cpu_limit(kind: str, size: int) -> None:
    """Today's worst cases (177 s and ~530 s of CPU) in a child process limited to 20 CPU seconds:
    the limit, not a wall clock, decides, so a busy machine can't fail it."""
    code = CHILD.format(limit=20, root=str(ROOT), kind=kind, size=size)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"killed by the CPU limit? rc={done.returncode} {done.stderr[-500:]}"
    outcome, cpu_s = done.stdout.split()
    assert outcome in {"parsed", "ParseError", "PageTooComplex"}, outcome  # any, in bounded time
    print(f"{kind} {size} bytes: {float(cpu_s):.2f} CPU s")  # a figure, not an assertion


@pytest.mark.parametrize("kind", ["real", "irregular_rows_under_budget", "unclosed_tr_tags_sparse"])
def test_work_grows_linearly_with_the_page(kind: str) -> None:
    """The parser's own work counter at 0.5 and 2 MB: four times the page, four times the work (±10%)."""
    pages = sorted((SHARED / "pages").glob("*.html"))
    if kind == "real" and not pages:
        pytest.skip(f"recorded eWokanda pages not available ({SHARED})")
    builders = {
        "real": lambda size: real_like_page(pages[0].read_bytes(), size),
        "irregular_rows_under_budget": HOSTILE_PAGES["irregular_rows_under_budget"],
        "unclosed_tr_tags_sparse": lambda n: HOSTILE_PAGES["unclosed_tr_tags"](n).replace(b"<tr ", b"<tr" + b" " * 20),
    }
    small, big = (builders[kind](n) for n in (500_000, 2_000_000))  # both within the budget: they parse
    ratio = parse_page(big).work / parse_page(small).work
    assert 0.9 * len(big) / len(small) <= ratio <= 1.1 * len(big) / len(small), ratio
