"""``parse-hostile``: seconds per MB of the parser's worst inputs, next to real pages of the same size.

Each hostile page (see ``devtools.synthetic.HOSTILE_PAGES``) is built at each size and parsed
in full, best of ``--repeat``; most end in PageTooComplex, which is the point: how fast the parser
refuses. ``real`` repeats the hearing rows of a recorded page to the same size; ``real_irregular`` is
that page with every ``</td>`` removed, so every row takes the tree route.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from .env import DEFAULT_PAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--page", default="WSA_Gliwice", help="the recorded page grown to each size")
    parser.add_argument("--sizes", default="1,5,20", help="page sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from devtools.synthetic import HOSTILE_PAGES, real_like_page
    from poradnia.judgements.parser import ParseError, parse_page

    source = (args.pages / f"{args.page}.html").read_bytes()
    sizes = [float(s) for s in args.sizes.split(",")]
    builders = {
        "real": lambda size: real_like_page(source, size),
        "real_irregular": lambda size: real_like_page(source, size).replace(b"</td>", b""),
        **HOSTILE_PAGES,
    }
    figures: dict[str, dict[str, float]] = {}
    outcomes: dict[str, str] = {}
    for name, build in builders.items():
        figures[name] = {}
        for mb in sizes:
            body = build(int(mb * 1_000_000))
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                try:
                    parse_page(body, court="bench")
                    outcome = "parsed"
                except ParseError as error:
                    outcome = type(error).__name__
                best = min(best, time.perf_counter() - started)
            figures[name][f"{mb:g}MB"] = round(best / (len(body) / 1_000_000), 4)
            outcomes[name] = outcome
            print(f"{name:32} {mb:5g} MB  {figures[name][f'{mb:g}MB']:.4f} s/MB  {outcome}", flush=True)
    real = max(figures["real"].values())
    hostile = {k: v for k, v in figures.items() if k not in ("real", "real_irregular")}
    worst = max(hostile, key=lambda k: max(hostile[k].values()))
    return {
        "s_per_mb": figures,
        "outcomes": outcomes,
        "real_s_per_mb": real,
        "worst_hostile": worst,
        "worst_hostile_s_per_mb": max(hostile[worst].values()),
        "worst_vs_real": round(max(hostile[worst].values()) / real, 2),
    }
