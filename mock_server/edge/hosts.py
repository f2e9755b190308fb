"""Answer only Host names that point at the mock, as Django's ALLOWED_HOSTS does.

A web page can make the browser resolve its own name to 127.0.0.1 (DNS rebinding) and then
talk to the mock as its own origin; the Host header still carries the page's name. So a name
is answered only if it is a loopback name, the address the mock is bound to, `testserver` (the
in-process test client's), or listed in --allowed-hosts. IP literals cannot be rebound: when
the mock is bound to every address (0.0.0.0, ::) any IP literal names it.

Starlette's TrustedHostMiddleware is close, but it answers plain text rather than Django's
JSON wording, offers a www-redirect this does not want, and has no place to journal.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from mock_server.edge.asgi import ASGIApp, Receive, Refusals, Scope, Send, header

ALWAYS_ALLOWED = frozenset({"localhost", "testserver"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})
# Django's host_validation_re: a name or a bracketed IPv6 literal, then an optional port.
_HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _domain(name: str) -> str:
    name = name.lower()
    return name[:-1] if name.endswith(".") else name


def is_loopback(host: str) -> bool:
    ip = _ip(host)
    name = _domain(host)
    return (ip is not None and ip.is_loopback) or name == "localhost" or name.endswith(".localhost")


class HostPolicy:
    """Which Host names the mock answers: pure, so it is tested without a server."""

    def __init__(self, bound: str, allowed: Sequence[str] = ()) -> None:
        self.any = "*" in allowed
        self.bound_ip = _ip(bound)
        self.any_ip = bound.strip() in WILDCARD_BINDS
        names = [_domain(name) for name in allowed if name != "*"]
        self.exact = ALWAYS_ALLOWED | {_domain(bound)} | {n for n in names if n[:1] not in "*."}
        # `.example.com` (Django) and `*.example.com` (Starlette): the domain and its subdomains.
        suffixes = {"." + n.lstrip("*.") for n in names if n[:1] in "*."}
        self.exact |= {suffix[1:] for suffix in suffixes}
        self.suffixes = (".localhost", *sorted(suffixes))

    def refusal(self, raw: str | None) -> str | None:
        """Why a Host header is refused (Django's words), or None when it is answered."""
        if not raw or self.any:
            return None  # no Host (HTTP/1.0): no browser sends that, so nothing to rebind
        match = _HOST.fullmatch(raw.lower())
        if match is None:
            return (
                f"Invalid HTTP_HOST header: {raw!r}. The domain name provided is not valid "
                "according to RFC 1034/1035."
            )
        domain = _domain(match[1])
        if self.allows(domain):
            return None
        return (
            f"Invalid HTTP_HOST header: {raw!r}. You may need to add {domain!r} to --allowed-hosts."
        )

    def allows(self, domain: str) -> bool:
        if domain in self.exact or domain.endswith(self.suffixes):
            return True
        ip = _ip(domain)
        return ip is not None and (ip.is_loopback or self.any_ip or ip == self.bound_ip)


class HostGuard:
    def __init__(self, app: ASGIApp, policy: HostPolicy, refusals: Refusals) -> None:
        self.app = app
        self.policy = policy
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            problem = self.policy.refusal(header(scope, b"host"))
            if problem is not None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await self.refusals.refuse(scope, send, 400, problem)
                return
        await self.app(scope, receive, send)


def exposure_warning(host: str, port: int) -> str | None:
    """What to tell someone who binds the mock beyond loopback, or None."""
    if is_loopback(host):
        return None
    answered = "any IP address of this machine" if host.strip() in WILDCARD_BINDS else host
    return (
        f"warning: --host {host} makes the mock reachable from the network: anyone who can "
        f"reach port {port} can read its data and reset it. Use --host 127.0.0.1 to keep it "
        f"local. Requests are answered for loopback names, {answered}, and the names given "
        "with --allowed-hosts a,b ('*' allows any)."
    )
