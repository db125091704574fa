"""Reference inference API (FastAPI): routes, schemas, inference service, middleware, settings.

Start it with ``bankchurn serve`` (see :mod:`bankchurn.cli.serve`) or build the ASGI app with
:func:`bankchurn.api.app.create_app`.
"""
