"""Settings of the inference API, read from ``BANKCHURN_API_*`` environment variables.

Every field can be set by an environment variable named ``BANKCHURN_API_<FIELD>`` (e.g.
``BANKCHURN_API_MODEL_PATH=models/target.joblib``) or passed to [`ApiSettings`][bankchurn.api.settings.ApiSettings]
directly; explicit arguments win over the environment. Values are validated when the settings
are built, so a bad port or log level stops the server before it binds a socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bankchurn.artifacts import artifact_path
from bankchurn.errors import UserError, printable
from bankchurn.settings import settings

ENV_PREFIX = "BANKCHURN_API_"


def default_model_path() -> Path:
    """The target model ``bankchurn report`` leaves in the settings' models folder.

    ``bankchurn train --model target --out DIR`` writes ``DIR/model.joblib`` instead.
    """
    return artifact_path(settings().models_dir, "target")


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ApiSettings(BaseSettings):
    """Validated configuration of the inference API.

    Attributes:
        model_path: Model artifact (``bankchurn.artifacts`` format) loaded once at start-up.
        model_uri: A registered model to serve instead, ``models:/NAME@ALIAS`` or
            ``models:/NAME/VERSION``, fetched from the MLflow registry of
            ``MLFLOW_TRACKING_URI`` at start-up (see `bankchurn.tracking.registry`).
        host: Interface uvicorn binds; loopback by default, ``0.0.0.0`` only inside a container.
        port: TCP port.
        batch_limit: Largest number of customers accepted by ``POST /predict/batch``; larger
            batches get HTTP 413.
        log_level: Level of the JSON access and error log (written to stderr).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
        # ``model_path`` would otherwise clash with pydantic's reserved ``model_`` prefix.
        protected_namespaces=("settings_",),
    )

    model_path: Path = Field(
        default_factory=default_model_path, description="Model artifact to serve."
    )
    model_uri: str | None = Field(
        None,
        pattern=r"^models:/[^/@]+(@[A-Za-z_][\w-]*|/[0-9]+)$",
        description="Registered model to serve instead of model_path (models:/NAME@ALIAS).",
    )
    host: str = Field("127.0.0.1", min_length=1, description="Interface to bind.")
    port: int = Field(8080, ge=1, le=65535, description="TCP port.")
    batch_limit: int = Field(
        1000, ge=1, le=100_000, description="Most customers per POST /predict/batch."
    )
    log_level: LogLevel = Field("INFO", description="Level of the JSON log on stderr.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        """Accept ``info`` as well as ``INFO``."""
        return value.upper() if isinstance(value, str) else value

    @property
    def model_source(self) -> str:
        """What is served: the registry URI when given, else the artifact path."""
        return self.model_uri if self.model_uri is not None else str(self.model_path)

    @property
    def max_body_bytes(self) -> int:
        """Largest request body accepted: a generous 2 KiB per customer of the batch limit.

        One customer is about 250 bytes of JSON; the cap only stops a client from making the
        worker parse megabytes before the batch limit can be checked.
        """
        return 64 * 1024 + 2048 * self.batch_limit


def load_settings(options: Mapping[str, str] | None = None, **overrides: object) -> ApiSettings:
    """Build [`ApiSettings`][bankchurn.api.settings.ApiSettings] from the environment plus explicit overrides.

    ``None`` overrides are ignored so that CLI options left unset fall back to the environment.

    Args:
        options: The command-line option of each overridden setting, to name in an error.
        **overrides: Settings given explicitly (command-line options).

    Raises:
        UserError: One line naming the offending option (when it was given) or the setting and
            its environment variable.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return ApiSettings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        if field in given and options and field in options:
            raise UserError(
                f"{options[field]} {printable(given[field])}: {printable(err['msg'], 200)}"
            ) from None
        raise UserError(
            f"invalid API setting {field} (env {ENV_PREFIX}{field.upper()}): {err['msg']}"
        ) from None
