"""The snippet the SDK renders: the contract's shape, every value escaped, the identity token
included; and in Chromium, the stub queues exactly the values that were given and the session
preload posts exactly the body the widget would send."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import jwt
import pytest
from shirube_sdk import Client
from shirube_sdk.snippet import PRELOAD, STUB, script_json

SERVER = "https://shirube.example.com"
IDENTITY_SECRET = "idsec_snippet-tests-" + "z" * 32
HOSTILE = '</script><script>alert("x")</script><!-- \u2028\u2029 & "quotes" \'single\''
IDENTIFY = re.compile(
    r"^Shirube\.identify\((?P<user>\"(?:[^\"\\]|\\.)*\"), (?P<options>\{.*\})\);$"
)


class ScriptTags(HTMLParser):
    """Collects every <script> element as the browser's tokenizer would see it."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append((dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        if self.scripts and self.lasttag == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


@pytest.fixture
def client() -> Any:
    client = Client(SERVER, "sk_unused", IDENTITY_SECRET)
    yield client
    client.shutdown()


def parse(html: str) -> tuple[list[tuple[dict[str, str | None], str]], str, dict[str, Any]]:
    parser = ScriptTags()
    parser.feed(html)
    parser.close()
    scripts = parser.scripts
    lines = scripts[0][1].strip("\n").split("\n")
    assert len(lines) == 3
    assert lines[0] == STUB
    match = IDENTIFY.match(lines[1])
    assert match is not None, lines[1]
    src, key = scripts[1][0]["src"], scripts[1][0]["data-key"]
    assert lines[2] == PRELOAD.format(key=script_json(key), url=script_json(src))
    return scripts, json.loads(match["user"]), json.loads(match["options"])


def test_snippet_has_the_contract_shape(client: Client) -> None:
    html = client.snippet(
        "pk_live", "u-1", traits={"role": "admin"}, company={"id": "c-9", "traits": {"plan": "pro"}}
    )
    scripts, user_id, options = parse(html)
    assert len(scripts) == 2
    assert scripts[1][0] == {
        "async": None,
        "src": f"{SERVER}/widget/shirube.js",
        "data-key": "pk_live",
        # The widget's session call reuses the script's connection (both without credentials).
        "crossorigin": "anonymous",
    }
    assert user_id == "u-1"
    assert list(options) == ["traits", "company", "token"]
    assert options["company"] == {"id": "c-9", "traits": {"plan": "pro"}}
    claims = jwt.decode(options["token"], IDENTITY_SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["company"]) == ("u-1", "c-9")


def test_no_value_can_break_out_of_the_script_or_attributes(client: Client) -> None:
    html = client.snippet(
        f'pk_"><img src=x onerror=alert(1)>{HOSTILE}',
        HOSTILE,
        traits={"name": HOSTILE, HOSTILE: [HOSTILE, 1, None]},
        company={"id": HOSTILE, "traits": {"note": HOSTILE}},
        locale=HOSTILE,
        widget_url=f'https://cdn.example.com/shirube.js?a=1&b="{HOSTILE}',
    )
    inline = html[len("<script>\n") : html.index("</script>")]
    assert inline.startswith(STUB + "\nShirube.identify(")
    assert inline.endswith(");\n")
    identify_and_preload = inline[len(STUB) :]
    for char in "<>&\u2028\u2029":
        assert char not in identify_and_preload
    assert "<img" not in html
    scripts, user_id, options = parse(html)
    assert len(scripts) == 2  # nothing closed the first script or opened another
    assert user_id == HOSTILE
    assert options["traits"] == {"name": HOSTILE, HOSTILE: [HOSTILE, 1, None]}
    assert options["company"] == {"id": HOSTILE, "traits": {"note": HOSTILE}}
    assert options["locale"] == HOSTILE
    attrs = scripts[1][0]
    assert attrs["data-key"] == f'pk_"><img src=x onerror=alert(1)>{HOSTILE}'
    assert attrs["src"] == f'https://cdn.example.com/shirube.js?a=1&b="{HOSTILE}'


def test_without_identity_secret_there_is_no_token() -> None:
    client = Client(SERVER, "sk_unused")
    _, _, options = parse(client.snippet("pk_live", "u-1", locale="ja"))
    assert options == {"locale": "ja"}
    client.shutdown()


def test_nonce_goes_on_both_script_tags(client: Client) -> None:
    scripts, _, _ = parse(client.snippet("pk_live", "u-1", nonce='n"1'))
    assert [attrs.get("nonce") for attrs, _ in scripts] == ['n"1', 'n"1']


def test_company_must_name_an_id(client: Client) -> None:
    with pytest.raises(ValueError, match="id"):
        client.snippet("pk_live", "u-1", company={"traits": {}})


@pytest.mark.browser
def test_browser_queues_exactly_the_given_values(client: Client, page: Any) -> None:
    page.route(
        "**/widget/shirube.js", lambda route: route.fulfill(body="", content_type="text/javascript")
    )
    preloads: list[Any] = []

    def session(route: Any) -> None:
        preloads.append(route.request)
        route.fulfill(status=503, body="{}", headers={"Access-Control-Allow-Origin": "*"})

    page.route("**/api/v1/widget/session", session)
    traits = {"name": HOSTILE, "dept": "人事"}
    html = client.snippet("pk_live", HOSTILE, traits=traits, company="c-9", locale="ja")
    page.set_content(
        f"<!doctype html><html><head>{html}</head><body><p id=after>ok</p></body></html>"
    )
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("document.getElementById('after').textContent") == "ok"
    queued = page.evaluate("window.Shirube.q")
    assert len(queued) == 1
    method, (user_id, options) = queued[0]
    assert (method, user_id) == ("identify", HOSTILE)
    assert options["traits"] == traits
    assert options["company"] == {"id": "c-9"}
    assert jwt.decode(options["token"], IDENTITY_SECRET, algorithms=["HS256"])["sub"] == HOSTILE
    # The preload: one POST to the script's origin with the body the widget's first session
    # call would send (widget/src/state.ts openSession), kept on the stub for the widget.
    assert page.evaluate("window.Shirube.p[1].then((reply) => reply.status)") == 503
    assert len(preloads) == 1
    request = preloads[0]
    assert (request.method, request.url) == ("POST", f"{SERVER}/api/v1/widget/session")
    body = request.post_data
    assert json.loads(body) == {
        "public_key": "pk_live",
        "user_id": HOSTILE,
        "traits": traits,
        "locale": "ja",
        "company": {"id": "c-9"},
        "identity_token": options["token"],
    }
    assert page.evaluate("window.Shirube.p[0]") == request.url + body
