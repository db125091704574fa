"""Where tracked runs go, read from `bankchurn.settings`; MLflow's output kept quiet.

MLflow's own convention sets the destination: ``MLFLOW_TRACKING_URI`` (a team's server, e.g.
``http://mlflow.internal:5000``, or a database URL) and ``MLFLOW_EXPERIMENT_NAME``. When the URI
is unset, runs go to a local SQLite store, ``mlruns/mlflow.db`` at the repository root, with the
artifacts beside it in ``mlruns/artifacts`` (git-ignored; ``mlflow ui --backend-store-uri
sqlite:///mlruns/mlflow.db`` browses it). ``BANKCHURN_TRACKING=false`` turns tracking off (the
test suite does, except in the tests that start their own MLflow server).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from bankchurn.errors import UserError


@dataclass(frozen=True)
class TrackingSettings:
    """Where to track (a view of the tracking fields of `bankchurn.settings.Settings`).

    Attributes:
        enabled: Log training runs to MLflow.
        tracking_uri: MLflow tracking URI; ``None`` means the local SQLite store.
        store_dir: Folder of the local store.
        experiment: Experiment the runs are filed under.
    """

    enabled: bool = True
    tracking_uri: str | None = None
    store_dir: Path = Path("mlruns")
    experiment: str = "bankchurn"

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

    def scrub(self, text: str) -> str:
        """``text`` (e.g. an MLflow error, which may quote the URI) without the URI's password."""
        password = urlsplit(self.uri).password
        return text.replace(password, "***") if password else text

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


def require_client() -> None:
    """Fail with one line when the MLflow client is not installed (e.g. in the API image).

    Raises:
        UserError: Saying which extra brings it.
    """
    try:
        found = importlib.util.find_spec("mlflow") is not None
    except ValueError:  # a module object without a spec (e.g. replaced in sys.modules)
        found = False
    if not found:
        raise UserError(
            "the MLflow client is not installed (tracking and registered models need the "
            "`train` extra: pip install 'bankchurn[train]')"
        )


def check_reachable(settings: TrackingSettings, timeout: float = 5.0) -> None:
    """Fail fast when an HTTP tracking server cannot be reached at all.

    MLflow's client retries a refused connection with back-off for minutes; a wrong host or a
    server that is not running should instead stop the command at once, before any training.
    Only ``http``/``https`` URIs are checked (a TCP connection to the host and port).

    Raises:
        UserError: One line naming the URI (without its password) and what to do.
    """
    parts = urlsplit(settings.uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(
            f"MLflow tracking server {settings.display_uri} is not reachable ({reason}): start "
            "it, fix MLFLOW_TRACKING_URI, or set BANKCHURN_TRACKING=false"
        ) from None


def load_tracking_settings() -> TrackingSettings:
    """The tracking settings of `bankchurn.settings.settings`.

    Raises:
        UserError: One line naming the offending variable.
    """
    from bankchurn.settings import settings

    try:
        s = settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise UserError(f"invalid setting {field}: {err['msg']}") from None
    return TrackingSettings(
        enabled=s.tracking,
        tracking_uri=s.mlflow_tracking_uri,
        store_dir=s.mlruns_dir,
        experiment=s.mlflow_experiment_name,
    )


@contextlib.contextmanager
def quiet_mlflow() -> Iterator[None]:
    """Import MLflow and keep its chatter off the command's output; its errors still raise.

    Hides its INFO log lines, its warnings (hints about type hints and integer columns that do
    not apply: signatures are given explicitly), what it prints (run URLs, "Successfully
    registered") and its download progress bars. The command prints its own summary.
    """
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    require_client()
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
