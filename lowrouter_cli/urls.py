"""Where the key may go: the base URL, redirect targets and proxies, judged as the transport sees them.

URLs are parsed with urllib3's parse_url, the parser requests itself uses to pick the host it
connects to; a second parser (urllib.parse) could see another host in the same string
(`http://a\\@127.0.0.1/` is host `a` to one and `127.0.0.1` to the other). What the parsers
disagree on, and what would carry credentials of its own, is refused outright.

A plain URL (`https://host[:port][/path]` of letters, digits and `._~-/`) reads the same to any
parser, so its origin is taken from a pattern: urllib3 (about 30 ms to import) is then loaded
only by commands that send. tests/test_url_fast_path.py checks the two readings agree.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Mapping, NamedTuple

from lowrouter_cli.errors import GatewayError, UsageError

MAX_REDIRECTS = 5


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name localhost (not *.localhost: a resolver may send that anywhere)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_PLAIN_URL = re.compile(r"(https?)://([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?(?:/[A-Za-z0-9._~/-]*)?")


def plain_origin(url: str) -> Origin | None:
    """The origin of a plain URL, read without urllib3 (None: not plain, urllib3 decides)."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None:
        return None
    scheme, host, port = plain.groups()
    number = int(port) if port else 0
    if number > 65535:
        return None
    return Origin(scheme, host.lower(), number or (443 if scheme == "https" else 80))


def _problem(url: str, *, allow_query: bool) -> tuple[str | None, Origin | None]:
    """What is wrong with the URL (None when nothing is), and its origin."""
    origin = plain_origin(url)
    return (None, origin) if origin is not None else parsed_problem(url, allow_query=allow_query)


def parsed_problem(url: str, *, allow_query: bool) -> tuple[str | None, Origin | None]:
    """_problem as urllib3's parser (the one requests connects by) reads the URL."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return "it contains spaces or control characters", None
    if "\\" in url:
        return "it contains a backslash, which URL parsers read differently", None
    try:
        parts = parse_url(url)
    except LocationParseError:
        return "it can't be parsed as a URL", None
    if parts.scheme not in ("http", "https") or not parts.host:
        return "expected http(s)://host/path", None
    if parts.auth is not None or "@" in (parts.netloc or ""):
        return "it carries user:password@ (the API key is the only credential sent)", None
    if parts.query is not None and not allow_query:
        return "it has a query (?...)", None
    if parts.fragment is not None:
        return "it has a fragment (#...)", None
    return None, Origin(parts.scheme, parts.host.lower(), parts.port or (443 if parts.scheme == "https" else 80))


def check_base_url(url: str) -> Origin:
    """The base URL's origin, or a UsageError naming what is wrong with it (exit 2)."""
    problem, origin = _problem(url, allow_query=False)
    if problem or origin is None:
        raise UsageError(f"invalid base URL {_shown(url)!r}: {problem}")
    return origin


def _shown(url: str) -> str:
    """A URL fit for a message: any user:password@ in its authority replaced by `…@`."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1…@", url)


def check_key_destination(origin: Origin) -> None:
    """The key goes only over https, or over plain http to loopback."""
    if origin.scheme == "http" and not is_loopback(origin.host):
        raise UsageError(
            f"refusing to send the API key over plain http:// to {origin.host}: anyone on the network "
            "could read it; use https:// (http is allowed only to loopback)"
        )


def next_hop(method: str, url: str, status: int, location: str | None, redirects: int) -> str:
    """Where a redirect may lead, or a GatewayError (exit 7): a POST carries a prompt and is never
    redirected; a GET follows up to MAX_REDIRECTS hops within its origin (never https to http)."""
    from urllib.parse import urljoin

    if method != "GET":
        raise GatewayError(f"the gateway redirected the {method} ({status}) to {location or 'no Location'}: "
                           "requests carrying a prompt are never redirected", status=status)
    if redirects >= MAX_REDIRECTS:
        raise GatewayError(f"more than {MAX_REDIRECTS} redirects (the last to {location})", status=status)
    if not location:
        raise GatewayError(f"the gateway answered {status} (a redirect) without a Location", status=status)
    _, here = _problem(url, allow_query=True)
    problem, there = _problem(location if "\\" in location else urljoin(url, location), allow_query=True)
    if problem or there is None or here is None:
        raise GatewayError(f"the gateway redirected ({status}) to {_shown(location)!r}, not followed: {problem}",
                           status=status)
    if here.scheme == "https" and there.scheme == "http":
        raise GatewayError(f"the gateway redirected ({status}) from https to plain http ({location}): "
                           "not followed", status=status)
    if here != there:
        raise GatewayError(f"the gateway redirected ({status}) to another origin ({location}): not followed",
                           status=status)
    return urljoin(url, location)


def choose_proxy(origin: Origin, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The proxy for a request to `origin` and the variable that named it, honouring NO_PROXY as
    requests does. Loopback is never proxied: the key would travel to the proxy in clear."""
    if is_loopback(origin.host):
        return None, None

    def get(name: str) -> tuple[str | None, str | None]:
        for variant in (name, name.upper()):
            if environ.get(variant):
                return environ[variant], variant
        return None, None

    no_proxy, _ = get("no_proxy")
    if no_proxy and _bypassed(origin, no_proxy):
        return None, None
    proxy, variable = get(f"{origin.scheme}_proxy")
    if proxy is None:
        proxy, variable = get("all_proxy")
    if proxy and "://" not in proxy:
        proxy = "http://" + proxy  # as requests reads it
    return proxy, variable


def _bypassed(origin: Origin, no_proxy: str) -> bool:
    host = origin.host.strip("[]")
    for entry in no_proxy.replace(" ", "").lower().split(","):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if port and port != str(origin.port):
            continue
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                return True
            continue
        except ValueError:
            pass
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def shown_proxy(proxy: str) -> str:
    """The proxy as -v names it: without any user:password@."""
    from urllib3.util import parse_url

    try:
        parts = parse_url(proxy)
    except ValueError:
        return "(unparsable proxy URL)"
    return f"{parts.scheme or 'http'}://{parts.host}" + (f":{parts.port}" if parts.port else "")
