"""``parse``: page -> rows speed (every page is parsed once, whole), against plain lxml."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from .env import DEFAULT_PAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--repeat", type=int, default=5, help="best of N timings")


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def lxml_full_parse(pages: list[bytes]) -> int:
    """The baseline: plain lxml, every cell's text of the hearing table."""
    import lxml.html

    rows = 0
    for body in pages:
        tree = lxml.html.fromstring(body)
        for tr in tree.xpath('//table[@id="tabela"]//tr[td]'):
            [td.text_content() for td in tr]
            rows += 1
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    from poradnia.judgements.parser import parse_page

    files = sorted(args.pages.glob("*.html"))
    if not files:
        raise SystemExit(f"no *.html pages in {args.pages}")
    pages = [(f.stem, f.read_bytes()) for f in files]
    rows = sum(len(parse_page(body, court=key).rows) for key, body in pages)
    full_s = best_of(args.repeat, lambda: [parse_page(body, court=key) for key, body in pages])
    lxml_s = best_of(args.repeat, lambda: lxml_full_parse([body for _, body in pages]))
    return {
        "pages": len(pages),
        "bytes": sum(len(body) for _, body in pages),
        "rows": rows,
        "full_parse_s": round(full_s, 4),
        "rows_per_s": round(rows / full_s),
        "lxml_full_parse_s": round(lxml_s, 4),
        "lxml_rows_per_s": round(rows / lxml_s),
        "full_vs_lxml": round(full_s / lxml_s, 3),
    }
