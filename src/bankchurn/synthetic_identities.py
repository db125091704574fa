"""Made-up identities of the synthetic extract: surnames and CRM customer ids.

Nothing here comes from a real customer: the surnames are drawn from made-up syllables and
the ids from a range, so the embedded extract never holds a real name or id.
"""

from __future__ import annotations

import numpy as np

# Made-up surname syllables: combined they give ~3,000 synthetic surnames.
_SURNAME_HEADS = (
    "Al",
    "Bar",
    "Cal",
    "Dorn",
    "El",
    "Fen",
    "Gar",
    "Hal",
    "Ist",
    "Jor",
    "Kel",
    "Lam",
    "Mor",
    "Nel",
    "Or",
    "Pel",
    "Quin",
    "Ros",
    "Sal",
    "Tor",
    "Ul",
    "Val",
    "Wen",
    "Yar",
    "Zel",
    "Brim",
    "Cor",
    "Dav",
    "Fal",
    "Grim",
    "Hav",
    "Kor",
    "Lor",
    "Mar",
    "Nor",
    "Per",
    "Ren",
    "Sten",
    "Tal",
    "Ver",
    "Wil",
    "Bel",
    "Cas",
    "Del",
    "Ers",
    "Fro",
    "Gil",
    "Hol",
    "Ivo",
    "Kas",
    "Lin",
    "Mel",
    "Nav",
    "Oss",
    "Pra",
    "Rov",
    "Sor",
    "Tev",
    "Vos",
    "Zan",
)
_SURNAME_TAILS = (
    "ani",
    "berg",
    "cott",
    "dale",
    "ena",
    "ford",
    "gren",
    "holm",
    "ini",
    "kov",
    "lund",
    "mont",
    "nez",
    "oni",
    "quist",
    "rell",
    "son",
    "tano",
    "vik",
    "wick",
    "ard",
    "ello",
    "ez",
    "ham",
    "ier",
    "ista",
    "lan",
    "mer",
    "ova",
    "ric",
    "sby",
    "ten",
    "ual",
    "vell",
    "worth",
    "yk",
    "zia",
    "ade",
    "bury",
    "elli",
)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` made-up surnames, each a head and a tail syllable."""
    heads = np.array(_SURNAME_HEADS, dtype=object)
    tails = np.array(_SURNAME_TAILS, dtype=object)
    return heads[rng.integers(0, heads.size, n)] + tails[rng.integers(0, tails.size, n)]


def customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct CRM ids.

    Drawn from a million ids (the Kaggle file's range) up to a million rows, from 50 per row
    above (the same draws as before for every size up to a million).
    """
    pool = 1_000_000 if n <= 1_000_000 else 50 * n
    return 15_000_000 + rng.choice(pool, size=n, replace=False).astype(np.int64)
