"""The synthetic extract's made-up identities: surnames of made-up syllables, distinct ids."""

from __future__ import annotations

import numpy as np

from bankchurn.synthetic_identities import _SURNAME_HEADS, _SURNAME_TAILS, customer_ids, surnames


def test_surnames_are_a_made_up_head_and_tail() -> None:
    names = surnames(np.random.default_rng(0), 500)
    made_up = {h + t for h in _SURNAME_HEADS for t in _SURNAME_TAILS}
    assert len(names) == 500
    assert set(names) <= made_up


def test_same_seed_same_identities() -> None:
    a = np.random.default_rng(5)
    b = np.random.default_rng(5)
    assert list(surnames(a, 20)) == list(surnames(b, 20))
    assert list(customer_ids(a, 20)) == list(customer_ids(b, 20))


def test_ids_are_distinct_integers_in_the_crm_range() -> None:
    ids = customer_ids(np.random.default_rng(1), 5_000)
    assert ids.dtype == np.int64
    assert len(np.unique(ids)) == len(ids)
    assert ids.min() >= 15_000_000
    assert ids.max() < 16_000_000
