"""The model registry: promote a version to an alias, fetch a registered version to serve it.

A registered model is addressed as ``models:/NAME@ALIAS`` (e.g. ``models:/bankchurn-target@champion``)
or ``models:/NAME/VERSION``. Aliases are MLflow's movable pointers (stages are deprecated):
promotion moves ``champion`` to another version and the server that starts next serves it.

Integrity: training records the SHA-256 of ``model.joblib`` as the version tag
``bankchurn.artifact_sha256``; `fetch_registered` downloads the file and refuses it when
the bytes differ, before the pickle is loaded (ADR-0016; the trust boundary is ADR-0019's).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankchurn.errors import UserError
from bankchurn.tracking.config import TrackingSettings, check_reachable, quiet_mlflow
from bankchurn.tracking.log_run import ARTIFACT_FILE, ARTIFACT_SHA256_TAG, sha256_of

_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>[0-9]+))$")
_ALIAS = re.compile(r"^[A-Za-z_][\w-]*$")


@dataclass(frozen=True)
class RegisteredVersion:
    """One version of a registered model.

    Attributes:
        name: Registered model name.
        version: Version number (as MLflow returns it, a string).
        alias: The alias it was reached through, if any.
        run_id: Training run that logged it.
        artifact_sha256: Recorded SHA-256 of its ``model.joblib``.
    """

    name: str
    version: str
    alias: str | None
    run_id: str | None
    artifact_sha256: str | None

    @property
    def uri(self) -> str:
        """``models:/NAME/VERSION``: this exact version."""
        return f"models:/{self.name}/{self.version}"


def is_registry_uri(value: str) -> bool:
    """True for ``models:/...`` URIs (a registered model), False for file paths."""
    return value.startswith("models:/")


def parse_registry_uri(uri: str) -> tuple[str, str | None, str | None]:
    """``(name, alias, version)`` of a ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION`` URI.

    Raises:
        UserError: When the URI has neither form.
    """
    match = _URI.match(uri)
    if match is None:
        raise UserError(f"{uri}: not a registered model URI (models:/NAME@ALIAS or models:/NAME/N)")
    return match["name"], match["alias"], match["version"]


def _client(settings: TrackingSettings) -> Any:
    import mlflow

    check_reachable(settings)
    mlflow.set_tracking_uri(settings.uri)
    return mlflow.MlflowClient(settings.uri)


def _describe(version: Any, alias: str | None) -> RegisteredVersion:
    return RegisteredVersion(
        name=str(version.name),
        version=str(version.version),
        alias=alias,
        run_id=version.run_id,
        artifact_sha256=(version.tags or {}).get(ARTIFACT_SHA256_TAG),
    )


def _registry_error(settings: TrackingSettings, what: str, exc: Exception) -> UserError:
    first = settings.scrub((str(exc).splitlines() or [type(exc).__name__])[0])[:300]
    return UserError(f"MLflow registry at {settings.display_uri}: {what}: {first}")


def lookup(uri: str, settings: TrackingSettings) -> RegisteredVersion:
    """Resolve a ``models:/`` URI to the version it points at now.

    Raises:
        UserError: Unknown model, version or alias, or an unreachable registry (one line).
    """
    name, alias, number = parse_registry_uri(uri)
    try:
        with quiet_mlflow():
            client = _client(settings)
            if alias is not None:
                return _describe(client.get_model_version_by_alias(name, alias), alias)
            return _describe(client.get_model_version(name, str(number)), None)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001  (MLflow / transport errors: one line)
        raise _registry_error(settings, f"cannot resolve {uri}", exc) from None


def promote(name: str, version: str, alias: str, settings: TrackingSettings) -> str | None:
    """Point ``alias`` of the registered model ``name`` at ``version``.

    Returns:
        The version the alias pointed at before, or ``None``.

    Raises:
        UserError: Bad alias, unknown model or version, unreachable registry (one line).
    """
    if not _ALIAS.match(alias) or alias.lower() in ("latest",) or alias.lower().startswith("v"):
        raise UserError(
            f"--alias {alias!r}: an alias is letters, digits, '_' or '-', starts with a letter "
            "other than 'v', and is not 'latest' (MLflow reserves those)"
        )
    if not version.isdigit():
        raise UserError(f"VERSION {version!r}: a registry version is a positive integer")
    try:
        with quiet_mlflow():
            client = _client(settings)
            client.get_model_version(name, version)  # unknown model/version: a clear error
            before = client.get_registered_model(name).aliases.get(alias)
            client.set_registered_model_alias(name, alias, version)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _registry_error(settings, f"cannot promote {name} version {version}", exc) from None
    return None if before is None else str(before)


def fetch_registered(uri: str, settings: TrackingSettings) -> tuple[Any, RegisteredVersion]:
    """Download the model artifact of a registered version, check it, load it.

    The file goes to a private temporary folder, its SHA-256 is compared with the one recorded
    at training (the version tag), and only then is it loaded by
    `bankchurn.artifacts.load_artifact`; the folder is removed afterwards.

    Returns:
        The loaded `bankchurn.artifacts.ModelArtifact` and the version it came from.

    Raises:
        UserError: Unresolvable URI, missing or altered artifact (one line).
    """
    from bankchurn.artifacts import hash_path, load_artifact
    from bankchurn.atomic import atomic_write_text

    registered = lookup(uri, settings)
    if not registered.artifact_sha256:
        raise UserError(
            f"{uri}: version {registered.version} has no {ARTIFACT_SHA256_TAG} tag; register "
            "models with `bankchurn train --register`"
        )
    folder = Path(tempfile.mkdtemp(prefix="bankchurn-registry-"))
    try:
        try:
            with quiet_mlflow():
                import mlflow

                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"{registered.uri}/artifacts/{ARTIFACT_FILE}",
                    dst_path=str(folder),
                    tracking_uri=settings.uri,
                )
        except Exception as exc:  # noqa: BLE001
            raise _registry_error(settings, f"cannot download {registered.uri}", exc) from None
        actual = sha256_of(Path(local))
        if actual != registered.artifact_sha256:
            raise UserError(
                f"{registered.uri}: model artifact SHA-256 {actual[:12]}... does not match the "
                f"{registered.artifact_sha256[:12]}... recorded at training; refusing to load it"
            )
        # The registry's record becomes the record beside the file, which the loader checks.
        atomic_write_text(
            hash_path(Path(local)), f"{registered.artifact_sha256}  {ARTIFACT_FILE}\n"
        )
        return load_artifact(local), registered
    finally:
        shutil.rmtree(folder, ignore_errors=True)
