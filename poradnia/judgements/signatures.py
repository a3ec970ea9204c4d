"""Court-case signatures as courts print them and as we compare them.

eWokanda pages put NBSPs and doubled spaces into signatures ("II SA/Bk\xa0668/21"), and staff
type them with any letter case, so equality is defined on a normalised form.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"[\s\u00a0\u2007\u202f]+")


def normalize_signature(signature: str) -> str:
    """Collapse whitespace runs (NBSP included) to one space and strip the ends."""
    return _WHITESPACE.sub(" ", signature).strip()


def signature_key(signature: str) -> str:
    """The comparison key: normalised and case-folded (the value stored in the unique column)."""
    return normalize_signature(signature).upper()
