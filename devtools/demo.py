"""Offline demo for ``make demo``: a local eWokanda stand-in and a few tracked real signatures.

Serves the recorded pages from ../shared/ewokanda/pages when they are there (or $EWOKANDA_DEMO_PAGES), else
generated pages for every court, tracks a few of their signatures in a demo case, and returns the
environment that points the worker at the stand-in.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from devtools.standin import StandIn
from devtools.synthetic import COURT_CODES, generate_page, random_rows
from poradnia.judgements.courts import COURTS

ROOT = Path(__file__).resolve().parents[1]
DEMO_PORT = int(os.environ.get("EWOKANDA_DEMO_PORT", "8765"))
_standin: StandIn | None = None


def demo_pages_dir() -> Path | None:
    candidate = Path(os.environ.get("EWOKANDA_DEMO_PAGES", ROOT.parent / "shared" / "ewokanda" / "pages"))
    return candidate if candidate.is_dir() and any(candidate.glob("*.html")) else None


def start_demo(data_dir: Path, per_court: int = 3, port: int | None = None) -> dict[str, str]:
    """Start the stand-in, track ``per_court`` signatures of each served court; return env overrides."""
    global _standin
    from django.conf import settings

    from poradnia.judgements.parser import parse_page

    pages_dir = demo_pages_dir()
    recorded = {p.stem: p.read_bytes() for p in sorted(pages_dir.glob("*.html"))} if pages_dir else {}
    # Courts without a recording get a generated page, so that a demo run covers every court.
    start = date.today()
    pages = {key: recorded.get(key) or generate_page(random_rows(300, seed=i, court_code=COURT_CODES[key],
                                                                 start=start))
             for i, (key, _) in enumerate(COURTS)}
    _standin = StandIn(pages, port=DEMO_PORT if port is None else port).start()
    settings.EWOKANDA_BASE_URL = _standin.base_url
    # The worker is not running yet: the demo's cases wait for a run the user starts (below), not a lookup each.
    settings.COURT_LOOKUP_ON_REGISTRATION = False
    tracked = 0
    for key, body in pages.items():
        rows = parse_page(body, court=key).rows
        signatures = list(dict.fromkeys(r.signature for r in rows))[:per_court]
        tracked += track_demo_signatures(key, signatures)
    print(f"demo: eWokanda stand-in on {_standin.base_url} serving {len(pages)} courts "
          f"({len(recorded)} recorded pages{' from ' + str(pages_dir) if pages_dir else ''}, the rest generated); "
          f"{tracked} signatures tracked in case 'Demo'. Run the parser now with:\n"
          "  .venv/bin/python manage.py run_court_session_parser\n"
          "  or: .venv/bin/temporal schedule trigger --schedule-id court-session-parser")
    return {"EWOKANDA_BASE_URL": _standin.base_url}


def track_demo_signatures(parser_key: str, signatures: list[str]) -> int:
    from poradnia.cases.models import Case
    from poradnia.judgements.models import Court, CourtCase
    from poradnia.users.models import User

    lawyer, _ = User.objects.get_or_create(username="demo-lawyer",
                                           defaults={"email": "lawyer@demo.invalid", "is_staff": True})
    case, created = Case.objects.get_or_create(name="Demo", defaults={"client": lawyer, "status": "assigned"})
    if created:
        case.staff.add(lawyer)
    court = Court.objects.get(parser_key=parser_key)
    added = 0
    for signature in signatures:
        _, new = CourtCase.objects.get_or_create(
            court=court, signature_key=signature.upper(),
            defaults={"signature": signature, "case": case, "created_by": lawyer},
        )
        added += new
    return added


def stop_demo() -> None:
    global _standin
    if _standin is not None:
        _standin.stop()
        _standin = None
