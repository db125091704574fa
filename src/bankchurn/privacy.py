"""Pseudonymisation at ingestion (GDPR, as the ML Canvas requires).

``Surname`` is dropped and ``CustomerId`` is replaced by ``CustomerKey``, a keyed hash
(HMAC-SHA256 of the id, first 16 hex characters). Nothing downstream (features, models,
notebooks, the site, the API) ever sees a surname or a CRM id: only the key, which lets the
retention team join scores back to customers in the CRM only if they hold the key.

The key comes from ``BANKCHURN_PSEUDONYM_KEY`` through `bankchurn.settings` (read here and
nowhere else). The default below is deliberately NOT secret: it only serves the embedded synthetic demo
extract, whose ids are made up anyway. A data FILE is refused with the public key (one line
saying how to set one) unless the user opts in with ``BANKCHURN_ALLOW_DEMO_KEY=1``, for
synthetic test files only. Where the key lives and how it is rotated: see the ADR on
pseudonymisation key management.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from bankchurn import contract
from bankchurn.errors import UserError
from bankchurn.settings import ENV_PREFIX, settings

#: Environment variable holding the pseudonymisation key (UTF-8 text).
KEY_ENV_VAR = f"{ENV_PREFIX}PSEUDONYM_KEY"
#: Set to ``1`` to pseudonymise a data FILE with the public demo key (synthetic test files only).
DEMO_OPT_IN_ENV_VAR = f"{ENV_PREFIX}ALLOW_DEMO_KEY"
#: Public, non-secret default key: fine for the synthetic demo data, never for real data.
DEFAULT_DEMO_KEY = b"bankchurn-synthetic-demo-key-not-secret"
#: Hex characters kept from the HMAC digest (64 bits: collisions negligible at CRM scale).
KEY_HEX_CHARS = 16
#: Columns that never pass ingestion.
DROPPED_COLUMNS: tuple[str, ...] = tuple(c.name for c in contract.COLUMNS if c.role == "pii")


def pseudonym_key() -> bytes:
    """Return the pseudonymisation key: ``$BANKCHURN_PSEUDONYM_KEY`` or the demo default."""
    secret = settings().pseudonym_key
    return secret.get_secret_value().encode("utf-8") if secret is not None else DEFAULT_DEMO_KEY


def key_for(source: str | None) -> bytes:
    """The key to pseudonymise data from ``source``, refusing the public key for a file.

    Args:
        source: The data file (or table) about to be pseudonymised; None for the embedded
            synthetic extract, which always uses the demo key unless another one is set.

    Returns:
        The key (never logged, never written anywhere).

    Raises:
        UserError: ``source`` is a file, no secret key is set and the user did not opt in to
            the public demo key.
    """
    key = pseudonym_key()
    if source is None or key != DEFAULT_DEMO_KEY or settings().allow_demo_key:
        return key
    raise UserError(
        f"{source}: refusing to pseudonymise a data file with the public demo key; set "
        f"{KEY_ENV_VAR} to the bank's secret key (or, for synthetic test files only, "
        f"{DEMO_OPT_IN_ENV_VAR}=1)"
    )


def customer_key(customer_id: int | str, key: bytes) -> str:
    """Keyed hash of one CRM id: HMAC-SHA256(key, str(id)) truncated to 16 hex characters."""
    digest = hmac.new(key, str(int(customer_id)).encode("ascii"), hashlib.sha256).hexdigest()
    return digest[:KEY_HEX_CHARS]


def pseudonymise(df: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Drop ``Surname`` and replace ``CustomerId`` by ``CustomerKey`` (same position).

    Args:
        df: A validated extract (``CustomerId`` holds integers).
        key: Secret key of the HMAC (see [`pseudonym_key`][bankchurn.privacy.pseudonym_key]).

    Returns:
        A new frame without ``Surname`` and ``CustomerId``; ``CustomerKey`` (str) takes the
        place of ``CustomerId``. The input frame is not modified.
    """
    if not key:
        raise ValueError("the pseudonymisation key must not be empty")
    out = df.drop(columns=[c for c in DROPPED_COLUMNS if c in df.columns])
    if contract.CUSTOMER_ID in out.columns:
        base = hmac.new(key, digestmod=hashlib.sha256)  # key schedule once, copied per id
        keys = []
        for v in out[contract.CUSTOMER_ID].to_numpy():
            h = base.copy()
            h.update(str(int(v)).encode("ascii"))
            keys.append(h.hexdigest()[:KEY_HEX_CHARS])
        position = list(out.columns).index(contract.CUSTOMER_ID)
        out = out.drop(columns=[contract.CUSTOMER_ID])
        out.insert(position, contract.CUSTOMER_KEY, pd.Series(keys, index=out.index, dtype="str"))
    return out
