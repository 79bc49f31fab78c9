"""Fetching a web page kb does not control: guarded, bounded, cached.

Used to fill a resource's missing title and description, and to read feeds. Only http(s);
every hop of a redirect is checked, and a host that resolves to a private, loopback,
link-local or reserved address is refused unless allowlisted (an intranet's, or a test's
loopback server), so a harvested link cannot make kb probe the internal network. Bodies are
read up to a size limit; results are cached in a folder (the harvest keeps it under .kb/) so a
re-harvest asks again only for pages it has not seen.
"""

import hashlib
import ipaddress
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from bs4 import BeautifulSoup

from harvester.errors import KbError
from harvester.files import write_atomic
from harvester.http import USER_AGENT

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 10.0


def fetch(url: str, allow_hosts: list[str] | tuple[str, ...] = (), max_bytes: int = MAX_BYTES) -> tuple[str, bytes]:
    """(final URL, body) of a GET; KbError saying why not (refused host, status, size, network)."""
    with httpx.Client(timeout=TIMEOUT_SECONDS, headers={"User-Agent": USER_AGENT}, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_host(url, allow_hosts)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise KbError(f"{url}: HTTP {response.status_code}")
                    body = b""
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise KbError(f"{url}: larger than {max_bytes:,} bytes")
                    return str(response.url), body
            except httpx.HTTPError as exc:
                raise KbError(f"{url}: {exc.__class__.__name__}: {exc}") from None
    raise KbError(f"{url}: more than {MAX_REDIRECTS} redirects")


class RefusedHost(KbError):
    """The address is on a private network (or not http): not fetched, rather than broken."""


def check_host(url: str, allow_hosts) -> None:
    """KbError unless `url` is http(s) on a public host, or on one `allow_hosts` names."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedHost(f"{url}: only http and https addresses are fetched")
    host = parts.hostname
    if host in allow_hosts:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        raise KbError(f"{url}: cannot resolve {host}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified) \
                and address not in allow_hosts:
            raise RefusedHost(f"{url}: {host} is a private or local address ({address}); "
                          "add it to the source's allow_hosts to fetch from it")


@dataclass
class PageMeta:
    title: str | None
    description: str | None
    error: str | None = None


class PageMetaCache:
    """Titles and descriptions of pages, fetched once per URL per workspace."""

    def __init__(self, folder: Path, allow_hosts: list[str], offline: bool):
        self.folder, self.allow_hosts, self.offline = folder, list(allow_hosts), offline

    def get(self, url: str) -> PageMeta | None:
        if self.offline:
            return None
        path = self.folder / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()[:32]}.json"
        if path.is_file():
            return PageMeta(**json.loads(path.read_text(encoding="utf-8")))
        try:
            meta = read_meta(fetch(url, self.allow_hosts)[1])
        except KbError as exc:
            return PageMeta(None, None, str(exc))  # not cached: the next harvest tries again
        write_atomic(path, json.dumps(meta.__dict__, ensure_ascii=False))
        return meta


def read_meta(html: bytes) -> PageMeta:
    """Open Graph title and description first (written for sharing), else <title> and the meta description."""
    soup = BeautifulSoup(html, "html.parser")

    def meta(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and (tag.get("content") or "").strip():
                return " ".join(tag["content"].split())
        return None

    title = meta("og:title", "twitter:title") or (" ".join(soup.title.get_text().split()) if soup.title else None)
    return PageMeta(title or None, meta("og:description", "description", "twitter:description"))
