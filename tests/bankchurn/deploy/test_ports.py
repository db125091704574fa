from __future__ import annotations

import socket

import pytest

from bankchurn.deploy.ports import HOST, PortTaken, free_port, on_free_port, port_taken


def _bind(port: int) -> socket.socket:
    """Listen on ``port`` as a server would; `PortTaken` when another socket holds it."""
    sock = socket.socket()
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if port_taken(f"[Errno {exc.errno}] {exc.strerror}"):
            raise PortTaken(str(exc)) from None
        raise
    sock.listen()
    return sock


def test_a_port_taken_between_pick_and_bind_is_retried_on_another() -> None:
    """The race, planted: another process binds the picked port before the server does."""
    squatters: list[socket.socket] = []

    def start(port: int) -> socket.socket:
        if not squatters:
            squatters.append(_bind(port))  # the other process wins the port
        return _bind(port)

    try:
        port, server = on_free_port(start)
        with server:
            assert server.getsockname()[1] == port
            assert port != squatters[0].getsockname()[1]
    finally:
        for sock in squatters:
            sock.close()


def test_a_port_always_taken_gives_up_naming_each_attempt() -> None:
    tried: list[int] = []

    def start(port: int) -> None:
        tried.append(port)
        raise PortTaken("Address already in use")

    with pytest.raises(PortTaken, match="in 3 attempts") as caught:
        on_free_port(start, attempts=3)
    assert len(tried) == 3
    assert all(str(port) in str(caught.value) for port in tried)


def test_another_failure_is_not_retried() -> None:
    calls: list[int] = []

    def start(port: int) -> None:
        calls.append(port)
        raise RuntimeError("the server is broken")

    with pytest.raises(RuntimeError, match="broken"):
        on_free_port(start)
    assert len(calls) == 1


def test_a_free_port_can_be_bound() -> None:
    with _bind(free_port()) as sock:
        assert sock.getsockname()[0] == HOST


@pytest.mark.parametrize(
    ("output", "taken"),
    [
        (
            "bankchurn: error: --port 8080: cannot listen on 127.0.0.1:8080 (Address already in use)",
            True,
        ),
        ("[Errno 98] error while attempting to bind on address ('127.0.0.1', 5000)", True),
        ("listen tcp 127.0.0.1:9090: bind: address already in use", True),
        ('FATAL:  could not open file "global/pg_control": Permission denied', False),
        ("bankchurn: error: --port 80: cannot listen on 127.0.0.1:80 (Permission denied)", False),
    ],
)
def test_port_taken_reads_the_servers_own_words(output: str, taken: bool) -> None:
    assert port_taken(output) is taken


def test_postgres_started_on_a_port_taken_meanwhile_moves_to_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real server's own words: PostgreSQL's bind failure is read as a taken port."""
    from bankchurn.deploy import ports, postgres

    squatter = _bind(free_port())
    taken = squatter.getsockname()[1]
    picks = iter([taken])
    monkeypatch.setattr(ports, "free_port", lambda host=HOST: next(picks, None) or free_port(host))
    try:
        with postgres.throwaway_server() as server:
            assert server.port != taken
    except postgres.ServerUnavailable as exc:
        if "not installed" in str(exc):
            pytest.skip(str(exc))
        raise
    finally:
        squatter.close()
