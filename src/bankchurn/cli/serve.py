"""``bankchurn serve``: run the inference API with uvicorn (127.0.0.1:8080 by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bankchurn.cli import app


@app.command("serve")
def serve(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Model artifact file to serve (env BANKCHURN_API_MODEL_PATH; default "
            "models/target.joblib), or a registered version: models:/NAME@ALIAS or "
            "models:/NAME/VERSION (env BANKCHURN_API_MODEL_URI; registry of MLFLOW_TRACKING_URI).",
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host", help="Interface to bind (env BANKCHURN_API_HOST; default 127.0.0.1)."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="TCP port (env BANKCHURN_API_PORT; default 8080)."),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            "--log-level", help="DEBUG, INFO, WARNING, ERROR (env BANKCHURN_API_LOG_LEVEL)."
        ),
    ] = None,
) -> None:
    """Serve POST /predict, POST /predict/batch, /health, /ready, /metrics and /docs.

    The artifact is loaded before the port is opened: a missing or corrupt one exits 2.

    Stop the server with Ctrl+C.
    """
    import uvicorn

    from bankchurn.api.app import create_app
    from bankchurn.api.settings import load_settings

    registry = model is not None and model.startswith("models:/")
    settings = load_settings(
        model_path=None if registry or model is None else Path(model),
        model_uri=model if registry else None,
        host=host,
        port=port,
        log_level=log_level,
    )
    api = create_app(settings)  # raises UserError (exit 2) before anything listens
    uvicorn.run(
        api,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,  # the app writes its own JSON access log
        server_header=False,
    )
