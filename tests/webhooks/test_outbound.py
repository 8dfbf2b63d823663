"""Where webhooks may go (security/outbound.py): addresses refused in IPv4 and IPv6, embedded
IPv4 included, unless the operator allows their network; URLs checked at registration."""

from __future__ import annotations

import base64

import pytest
from shirube.security.outbound import OutboundRefused, OutboundRules, parse_networks
from shirube.security.webhook_signing import SECRET_BYTES, new_webhook_secret, secret_key_bytes

RULES = OutboundRules()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fd00::1", "unique-local"),
        ("fc00::1", "unique-local"),
        ("100.64.0.1", "not public"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("192.0.2.10", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::", "loopback"),
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str, kind: str) -> None:
    refusal = RULES.address_refusal(address)
    assert refusal is not None and f"({kind} address" in refusal


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_may_be_reached(address: str) -> None:
    assert RULES.address_refusal(address) is None


def test_the_operator_may_allow_networks() -> None:
    rules = OutboundRules(allowed_networks=parse_networks(" 10.0.0.0/8 , fd00::/8,127.0.0.1"))
    assert rules.address_refusal("10.20.30.40") is None
    assert rules.address_refusal("::ffff:10.0.0.1") is None
    assert rules.address_refusal("fd12::3") is None
    assert rules.address_refusal("127.0.0.1") is None
    assert rules.address_refusal("127.0.0.2") is not None
    assert rules.address_refusal("192.168.0.1") is not None
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Hooks.Example.COM/in", "https://hooks.example.com/in"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:8443/a/b?c=d&e=f", "https://example.com:8443/a/b?c=d&e=f"),
        ("https://例え.jp/受信?q=値", "https://xn--r8jz45g.jp/%E5%8F%97%E4%BF%A1?q=%E5%80%A4"),
        ("https://example.com/a%20b?x=%2F&y=[1]", "https://example.com/a%20b?x=%2F&y=%5B1%5D"),
        ("https://[2606:4700:4700::1111]/x", "https://[2606:4700:4700::1111]/x"),
        ("https://93.184.216.34/x", "https://93.184.216.34/x"),
    ],
)
def test_urls_are_kept_in_the_form_they_will_be_used(url: str, expected: str) -> None:
    assert RULES.check_url(url) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "1–2000"),
        ("https://example.com/" + "a" * 2000, "1–2000"),
        ("https://example.com/" + "é" * 600, "once encoded"),
        ("http://example.com/", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://user@example.com/", "user name"),
        ("https://example.com/a b", "spaces"),
        ("https://example.com/\t", "spaces"),
        ("https://example.com\\@evil.test/", "'\\'"),
        ("https://exa\u200bmple.com/", "U+200B"),
        ("https:///path", "host"),
        ("https://example.com:0x50/", "valid URL"),
        ("https://0x7f000001/", "IPv4"),
        ("https://127.1/", "IPv4"),
        ("https://017700000001/", "IPv4"),
        ("https://ex_ample.com/", "host name"),
        ("https://[::1]:8443/", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
    ],
)
def test_urls_refused_at_registration(url: str, words: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        RULES.check_url(url)
    assert words in str(refused.value)


def test_http_only_when_the_operator_allows_it() -> None:
    assert (
        OutboundRules(allow_http=True).check_url("HTTP://example.com/x") == "http://example.com/x"
    )


def test_a_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    secrets = {new_webhook_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(secret_key_bytes(secret)) == SECRET_BYTES
        assert base64.b64encode(secret_key_bytes(secret)).decode() == secret.removeprefix("whsec_")
