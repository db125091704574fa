"""Reference inference API (FastAPI): routes, schemas, inference service, middleware, settings.

Start it with ``bankchurn serve`` (see `bankchurn.cli.serve`) or build the ASGI app with
[`bankchurn.api.app.create_app`][bankchurn.api.app.create_app].
"""
