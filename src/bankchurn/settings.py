"""Where things are: the one definition of the repository folders and the environment settings.

Every module, script, hook and notebook reads its paths and environment settings from
`settings()`; nothing else reads ``os.environ`` for them. Each field can be set by an environment
variable ``BANKCHURN_<FIELD>`` (for example ``BANKCHURN_REPORTS_DIR=/tmp/my-reports``); a relative
folder is taken relative to the repository root. The inference API keeps its own
``BANKCHURN_API_*`` settings (`bankchurn.api.settings`), which only the server reads.

To add a setting: declare a typed field with a default and a description here, and read it
through `settings()`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "BANKCHURN_"


def _repository_root() -> Path:
    """The checkout this package runs from (``src/bankchurn`` -> two levels up).

    An installed, non-editable copy (the API image) has no checkout: the working directory is
    its root then.
    """
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


class Settings(BaseSettings):
    """Repository folders, data source and pseudonymisation key.

    Attributes:
        root: Repository root (the folder holding ``pyproject.toml``).
        reports_dir: JSON reports the pipeline writes and the site reads.
        models_dir: Model artifacts written by ``bankchurn report``.
        adr_dir: Architecture decision records.
        docs_dir: Hand-written pages of the site.
        notebooks_dir: The notebooks published on the site.
        site_dir: An already-built site the tests read instead of building ``site/``.
        data: CRM extract the notebooks read (a CSV path or a ``postgresql://`` URL); unset
            means the embedded synthetic extract.
        pseudonym_key: HMAC key of the customer pseudonyms; unset means the public demo key.
        allow_demo_key: Pseudonymise a data FILE (or table) with the public demo key
            (``BANKCHURN_ALLOW_DEMO_KEY=1``, for synthetic test files only); otherwise such
            data are refused while no key is set.
        tracking: Log ``train`` and ``report`` runs to MLflow (``BANKCHURN_TRACKING=false``: off).
        mlruns_dir: Local MLflow store used when no tracking URI is set (git-ignored).
        mlflow_tracking_uri: MLflow's own ``MLFLOW_TRACKING_URI`` (a team's server or database);
            unset means the SQLite store ``mlruns_dir/mlflow.db``.
        mlflow_experiment_name: MLflow's own ``MLFLOW_EXPERIMENT_NAME`` for the runs.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, strict=True, frozen=True, extra="forbid"
    )

    # Paths arrive as text from the environment: strict mode would refuse them, so each path
    # field alone accepts a string.
    root: Path = Field(default_factory=_repository_root, strict=False)
    reports_dir: Path = Field(Path("reports"), strict=False)
    models_dir: Path = Field(Path("models"), strict=False)
    adr_dir: Path = Field(Path("adr"), strict=False)
    docs_dir: Path = Field(Path("docs"), strict=False)
    notebooks_dir: Path = Field(Path("notebooks"), strict=False)
    site_dir: Path | None = Field(None, strict=False)
    data: str | None = None
    pseudonym_key: SecretStr | None = Field(None, strict=False)
    allow_demo_key: bool = Field(False, strict=False)
    tracking: bool = Field(True, strict=False)
    mlruns_dir: Path = Field(Path("mlruns"), strict=False)
    # MLflow's own variable names (no BANKCHURN_ prefix), so a team's MLflow set-up just works.
    mlflow_tracking_uri: str | None = Field(
        None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "mlflow_tracking_uri")
    )
    mlflow_experiment_name: str = Field(
        "bankchurn",
        min_length=1,
        validation_alias=AliasChoices("MLFLOW_EXPERIMENT_NAME", "mlflow_experiment_name"),
    )

    @model_validator(mode="after")
    def _under_root(self) -> Settings:
        """Anchor every relative folder at the repository root (not the working directory)."""
        for name in (
            "reports_dir",
            "models_dir",
            "adr_dir",
            "docs_dir",
            "notebooks_dir",
            "site_dir",
            "mlruns_dir",
        ):
            value: Path | None = getattr(self, name)
            if value is not None and not value.is_absolute():
                object.__setattr__(self, name, self.root / value)
        return self


def settings() -> Settings:
    """The settings, read from the environment at each call (cheap; tests change it)."""
    return Settings()
