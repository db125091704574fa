"""Loopback ports for the servers the tests and benchmarks start: picked free, retried when taken.

A port found free here is bound later, by the server's own process; in between, any other
process may take it (the other test worker picks its ports the same way). A server that then
cannot bind is not broken: [`on_free_port`][bankchurn.deploy.ports.on_free_port] starts it again
on another free port. The one place the project picks a port, so that race is handled once.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TypeVar

#: The only address these servers listen on.
HOST = "127.0.0.1"
#: Starts tried before giving up: each needs another process to take the picked port first.
ATTEMPTS = 5

#: How servers say their address was in use: the C library's text for EADDRINUSE, as Python,
#: PostgreSQL, Go (Prometheus) and the container engines print it.
_IN_USE = ("address already in use", "[errno 98]")

T = TypeVar("T")


class PortTaken(Exception):
    """The server could not bind its port: another process took it after it was picked."""


def free_port(host: str = HOST) -> int:
    """A TCP port free on ``host`` now (the kernel's choice); another process may take it next."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_taken(output: str) -> bool:
    """Whether a server's output (its error line or log) says its port was in use."""
    text = output.lower()
    return any(sign in text for sign in _IN_USE)


def on_free_port(start: Callable[[int], T], attempts: int = ATTEMPTS) -> tuple[int, T]:
    """Start a server on a free port; when the port was taken before it bound, use another.

    Args:
        start: Starts the server on the given port and returns it once it answers; raises
            `PortTaken` when the server could not bind (see `port_taken`), having stopped
            whatever it started.
        attempts: Ports tried in all.

    Returns:
        The port and what ``start`` returned.

    Raises:
        PortTaken: Every attempt found its port taken.
    """
    reasons = []
    for _ in range(attempts):
        port = free_port()
        try:
            return port, start(port)
        except PortTaken as exc:
            reasons.append(f"{port}: {exc}")
    raise PortTaken(f"no port stayed free in {attempts} attempts ({'; '.join(reasons)})")
