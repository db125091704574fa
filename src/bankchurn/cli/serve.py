"""``bankchurn serve``: run the inference API with uvicorn (127.0.0.1:8080 by default)."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from bankchurn.cli.root import command_app
from bankchurn.errors import UserError

#: The commands this module adds to ``bankchurn`` (see bankchurn.cli.root).
app = command_app()


#: The option of each setting the command sets: an invalid value is named by the option given.
OPTION_OF_SETTING = {
    "model_path": "--model",
    "model_uri": "--model",
    "host": "--host",
    "port": "--port",
    "log_level": "--log-level",
}


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

    The artifact is loaded before the port is opened: a missing or corrupt one exits 2, and
    so does a port already in use (one line).

    Stop the server with Ctrl+C.
    """
    import uvicorn

    from bankchurn.api.app import create_app
    from bankchurn.api.settings import load_settings

    registry = model is not None and model.startswith("models:/")
    settings = load_settings(
        options=OPTION_OF_SETTING,
        model_path=None if registry or model is None else Path(model),
        model_uri=model if registry else None,
        host=host,
        port=port,
        log_level=log_level,
    )
    api = create_app(settings)  # raises UserError (exit 2) before anything listens
    sock = _listen(settings.host, settings.port)
    config = uvicorn.Config(
        api,
        log_level=settings.log_level.lower(),
        access_log=False,  # the app writes its own JSON access log
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """Bind the server's socket here: a busy port is one line and exit 2.

    Left to uvicorn, a busy port gives several log lines and exit code 1 or 3.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        where = f"cannot listen on {host}:{port} ({exc.strerror})"
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            raise UserError(
                f"--host {host}: {where}; give an address of this machine (e.g. 127.0.0.1)"
            ) from None
        if exc.errno == errno.EACCES:
            raise UserError(
                f"--port {port}: {where}; ports below 1024 need privileges: choose another --port"
            ) from None
        raise UserError(
            f"--port {port}: {where}; another server may be using it: stop it or choose "
            "another --port"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
