"""``bankchurn model promote``: move a registry alias (e.g. ``champion``) to a model version."""

from __future__ import annotations

from typing import Annotated

import typer

from bankchurn.cli.root import command_app

model_app = command_app(
    name="model",
    help="The MLflow model registry: promote a registered version to an alias.",
    no_args_is_help=True,
)
#: The commands this module adds to ``bankchurn`` (see bankchurn.cli.root).
app = command_app()
app.add_typer(model_app)


@model_app.command("promote")
def promote(
    name: Annotated[str, typer.Argument(help="Registered model name, e.g. bankchurn-target.")],
    version: Annotated[str, typer.Argument(help="Version number to promote.")],
    alias: Annotated[
        str, typer.Option("--alias", help="Alias to point at the version.")
    ] = "champion",
) -> None:
    """Point ALIAS of the registered model NAME at VERSION (MLFLOW_TRACKING_URI's registry).

    `bankchurn serve --model models:/NAME@ALIAS` then serves that version.
    """
    from bankchurn.tracking.config import load_tracking_settings
    from bankchurn.tracking.registry import promote as promote_version

    settings = load_tracking_settings()
    before = promote_version(name, version, alias, settings)
    was = f" (was version {before})" if before is not None and before != version else ""
    typer.echo(f"models:/{name}@{alias} -> version {version}{was} in {settings.display_uri}")
