"""Court-case signatures as courts print them and as we compare them.

eWokanda pages put NBSPs and doubled spaces into signatures ("II SA/Bk\xa0668/21"), and staff
type them with any letter case, so equality is defined on a normalised form. Text pasted from
a PDF or a word processor also brings invisible characters (zero-width spaces and joiners, the
BOM) and compatibility forms (full-width digits, the "ﬁ" ligature, a fraction slash variant...):
NFKC folds the latter and the former are dropped, so "II SA/Bk 6\u200b68/21" is the same case.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"[\s\u00a0\u2007\u202f]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_signature(signature: str) -> str:
    """NFKC, drop zero-width characters and the BOM, collapse whitespace runs (NBSP included) to one
    space and strip the ends."""
    if not signature.isascii():  # the common case is plain ASCII: skip the Unicode work
        signature = unicodedata.normalize("NFKC", signature.translate(_INVISIBLE))
    return _WHITESPACE.sub(" ", signature).strip()


def signature_key(signature: str) -> str:
    """The comparison key: normalised and case-folded (the value stored in the unique column)."""
    return normalize_signature(signature).upper()


#: The columns' length (CourtCase.signature and signature_key are varchar(100)).
MAX_SIGNATURE_LENGTH = 100


def signature_problem(typed: str) -> str | None:
    """Why ``typed`` cannot be stored, judged on what is stored: the normalised form and its key, which
    normalisation can make longer (NFKC turns U+FDFA into 18 characters, upper-casing "ß" into "SS") or
    empty (only zero-width characters). None when it can."""
    normalised = normalize_signature(typed)
    if not normalised:
        return "empty"
    if max(len(normalised), len(signature_key(normalised))) > MAX_SIGNATURE_LENGTH:
        return "too_long"
    return None
