"""Where the server may send requests of its own (webhooks): the rules against server-side
request forgery, with no I/O. A workspace owner chooses the URL; without these rules it could
make the server post to its own loopback services, the cloud's metadata address or the
private network it runs in.

- A URL is checked when it is registered (`check_url`): https (http only when the operator
  allows it), no user name or password, no fragment, no whitespace, control or invisible
  formatting characters, a host name or an address that may be reached.
- Every address a host name resolves to is checked when a request is sent
  (`address_refusal`), and the request goes to the address that was checked (no second
  resolution that DNS rebinding could answer differently): loopback, private, unique-local,
  link-local, shared (CGNAT), multicast, reserved, unspecified and documentation addresses are
  refused, in IPv4 and IPv6, including IPv4 addresses embedded in IPv6 ones (IPv4-mapped,
  NAT64, 6to4, Teredo). The operator may allow networks by CIDR
  (`SHIRUBE_WEBHOOK_ALLOW_NETWORKS`), e.g. a receiver on the private network.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from shirube.invisible import invisible_character

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

URL_MAX = 2000
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Characters a host name may hold once in its ASCII (IDNA) form.
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")
# What a path and a query keep as they are (RFC 3986's reserved and unreserved characters, and
# '%' of an escape already made).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class OutboundRefused(ValueError):
    """A URL or address the server will not send to; the message says why, for the owner."""


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """`SHIRUBE_WEBHOOK_ALLOW_NETWORKS`: CIDRs separated by commas (ValueError if malformed)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def _embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address | None, bool]:
    """The IPv4 address an IPv6 one carries, and whether it stands for that address alone
    (IPv4-mapped, NAT64) rather than travelling through relays to it (6to4, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None, False
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, True
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF), True
    if address.sixtofour is not None:
        return address.sixtofour, False
    if address.teredo is not None:
        return address.teredo[1], False
    return None, False


def _kind_of(address: IPAddress) -> str | None:
    """What makes an address unreachable from here, or None for a public unicast one."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.IPv6Network("fc00::/7"):
        return "unique-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not public"
    return None


@dataclass(frozen=True)
class OutboundRules:
    """The operator's settings: whether http:// endpoints are allowed, and which networks may
    be reached although they are not public."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def _allowed(self, address: IPAddress) -> bool:
        return any(
            address.version == network.version and address in network
            for network in self.allowed_networks
        )

    def address_refusal(self, text: str) -> str | None:
        """Why the server must not connect to this address, or None when it may."""
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id is dropped
        embedded, alone = _embedded_ipv4(address)
        if self._allowed(address) or (embedded is not None and self._allowed(embedded)):
            return None
        kind = None if alone else _kind_of(address)
        if kind is None and embedded is not None:
            kind = _kind_of(embedded)
        if kind is None:
            return None
        return (
            f"{address} is not allowed ({kind} address; the operator may allow it with "
            "SHIRUBE_WEBHOOK_ALLOW_NETWORKS)"
        )

    def check_url(self, url: str) -> str:
        """The URL as it will be used (scheme and host lowercased, an IDN host in its ASCII
        form), or OutboundRefused saying what is wrong with it."""
        if not url or len(url) > URL_MAX:
            raise OutboundRefused(f"must be 1–{URL_MAX} characters")
        problem = invisible_character(url)
        if problem is not None:
            raise OutboundRefused(problem)
        for character in url:
            category = unicodedata.category(character)
            if category in ("Cc", "Zs", "Zl", "Zp") or character == "\\":
                raise OutboundRefused("must not contain spaces, control characters or '\\'")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise OutboundRefused(f"is not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        schemes = ("https", "http") if self.allow_http else ("https",)
        if scheme not in schemes:
            allowed = " or ".join(f"{s}://" for s in schemes)
            raise OutboundRefused(f"must start with {allowed}")
        if "@" in parts.netloc:
            raise OutboundRefused("must not contain a user name or password")
        if parts.fragment or url.endswith("#"):
            raise OutboundRefused("must not contain a fragment (#…)")
        host = parts.hostname or ""
        if not host:
            raise OutboundRefused("must name a host")
        ascii_host = self._checked_host(host)
        netloc = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
        if port is not None:
            netloc += f":{port}"
        # Sent as the request target, which is ASCII: other characters percent-encoded (what
        # is encoded already stays as it is).
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        query = quote(parts.query, safe=_QUERY_SAFE)
        checked = urlunsplit((scheme, netloc, path, query, ""))
        if len(checked) > URL_MAX:
            raise OutboundRefused(f"must be at most {URL_MAX} characters once encoded")
        return checked

    def _checked_host(self, host: str) -> str:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None:
            refusal = self.address_refusal(host)
            if refusal is not None:
                raise OutboundRefused(refusal)
            return str(address)
        try:
            ascii_host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise OutboundRefused(f"{host!r} is not a valid host name") from None
        labels = ascii_host.rstrip(".").split(".")
        if not set(ascii_host) <= _HOST_CHARS or "" in labels:
            raise OutboundRefused(f"{host!r} is not a valid host name")
        # 2130706433, 0x7f.1, 127.1: numbers the resolver reads as an address.
        last = labels[-1]
        if last.isdigit() or last.startswith("0x"):
            raise OutboundRefused(f"{host!r} is not a valid host name or IPv4 address")
        return ascii_host
