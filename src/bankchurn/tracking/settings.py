"""Where tracked runs go and whether training tracks them at all.

MLflow's own convention sets the destination: ``MLFLOW_TRACKING_URI`` (a team's server, e.g.
``http://mlflow.internal:5000``, or a database URL) and ``MLFLOW_EXPERIMENT_NAME``. When the URI
is unset, runs go to a local SQLite store, ``mlruns/mlflow.db``, with the artifacts beside it in
``mlruns/artifacts`` (git-ignored; ``mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db``
browses it). ``BANKCHURN_TRACKING=false`` turns tracking off (the test suite does, except for the
tests that start their own MLflow server).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bankchurn.errors import UserError

#: Default folder of the local store, relative to the working directory.
DEFAULT_STORE_DIR = Path("mlruns")


class TrackingSettings(BaseSettings):
    """Validated tracking configuration, read from the environment.

    Attributes:
        enabled: Log training runs to MLflow (env ``BANKCHURN_TRACKING``).
        tracking_uri: MLflow tracking URI (env ``MLFLOW_TRACKING_URI``); ``None`` means the local
            SQLite store under ``store_dir``.
        store_dir: Folder of the local store (env ``BANKCHURN_MLRUNS_DIR``).
        experiment: Experiment the runs are filed under (env ``MLFLOW_EXPERIMENT_NAME``).
    """

    model_config = SettingsConfigDict(env_ignore_empty=True, frozen=True, extra="ignore")

    enabled: bool = Field(True, validation_alias=AliasChoices("BANKCHURN_TRACKING", "enabled"))
    tracking_uri: str | None = Field(
        None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "tracking_uri")
    )
    store_dir: Path = Field(
        DEFAULT_STORE_DIR, validation_alias=AliasChoices("BANKCHURN_MLRUNS_DIR", "store_dir")
    )
    experiment: str = Field(
        "bankchurn",
        min_length=1,
        validation_alias=AliasChoices("MLFLOW_EXPERIMENT_NAME", "experiment"),
    )

    @property
    def is_local_default(self) -> bool:
        """True when runs go to the local SQLite store (no URI given)."""
        return self.tracking_uri is None

    @property
    def uri(self) -> str:
        """The tracking URI in effect."""
        if self.tracking_uri is not None:
            return self.tracking_uri
        return f"sqlite:///{(self.store_dir / 'mlflow.db').resolve()}"

    @property
    def display_uri(self) -> str:
        """The URI in effect without any password or token (safe for output and logs)."""
        return redact_uri(self.uri)

    @property
    def local_artifact_root(self) -> str:
        """Artifact folder of experiments created in the local store (a ``file://`` URI)."""
        return (self.store_dir / "artifacts").resolve().as_uri()


def redact_uri(uri: str) -> str:
    """``uri`` with the password of its user-info part replaced by ``***``."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port is not None else ""
    netloc = f"{parts.username}:***@{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def load_tracking_settings(**overrides: object) -> TrackingSettings:
    """Build :class:`TrackingSettings` from the environment plus non-``None`` overrides.

    Raises:
        UserError: One line naming the offending variable.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return TrackingSettings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise UserError(f"invalid tracking setting {field}: {err['msg']}") from None


@contextlib.contextmanager
def quiet_mlflow() -> Iterator[None]:
    """Import MLflow and keep its chatter off the command's output; its errors still raise.

    Hides its INFO log lines, its warnings (hints about type hints and integer columns that do
    not apply: signatures are given explicitly), what it prints (run URLs, "Successfully
    registered") and its download progress bars. The command prints its own summary.
    """
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow  # noqa: F401  (its import sets up its loggers: quieten them afterwards)

    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.WARNING)
    sink = io.StringIO()
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
