"""Whether `serve` can listen where it is told, checked before it says it serves there."""

from __future__ import annotations

import errno
import socket

from annotator.domain.errors import InputError


def check_can_listen(host: str, port: int) -> None:
    """An InputError naming the cause unless every address `host` names can take `port`, bound as
    aiohttp binds (address reuse on, IPv6 sockets IPv6 only); the probe sockets close at once."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r} names no address ({exc.strerror}); give one of this machine's "
                         "addresses, such as 127.0.0.1, or 0.0.0.0 for all of them") from None
    for family, kind, proto, _, address in dict.fromkeys(found):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise InputError(listen_failure(exc, host, port)) from None


def listen_failure(exc: OSError, host: str, port: int) -> str:
    """One line for a failure to listen at host:port (also when another program takes the port
    between the check and the server's start)."""
    if exc.errno == errno.EADDRINUSE:
        return (f"--port {port}: another program already listens there (on {host}); give another port, or "
                "stop that program")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"--host {host!r} is not an address of this machine ({exc.strerror}); give one of its own, "
                "such as 127.0.0.1, or 0.0.0.0 for all of them")
    if exc.errno == errno.EACCES:
        return f"--port {port}: only root may listen on a port below 1024 here; give one from 1024 to 65535"
    return f"cannot listen on {host} port {port} ({exc.strerror})"
