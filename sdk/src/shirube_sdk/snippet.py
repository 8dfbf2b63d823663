"""The HTML a host page template includes to load the widget and identify the signed-in user.

The shape is fixed by the widget contract: an inline stub that queues calls until the widget
has loaded, one `Shirube.identify(...)` call, the session preload, and the async widget script
tag.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

STUB = (
    '!function(w,n,s){s=w[n]=w[n]||{q:[]};"identify track startTour openChecklist '
    'closeChecklist reset on".split(" ").forEach(function(m){s[m]=s[m]||function(){'
    's.q.push([m,[].slice.call(arguments)])}})}(window,"Shirube");'
)

# Starts the widget's first `session` call while its script downloads (docs/widget.md, "Session
# preload"): the same POST, built from the identify call just queued exactly as the widget builds
# it, left on the stub as `p = [url + body, promise of {status, body}]` (the reply the widget's
# `post()` makes); the widget takes it only for an identical first call. Arguments: the public
# key and the widget's URL (the API is on its origin, as the widget assumes without
# `data-server`). Nothing queued (the widget already loaded) or a browser that throws: no
# preload, the widget posts as before.
PRELOAD = (
    "!function(s,k,u,c,o,x,b){{c=(s.q||[]).slice(-1)[0]||[];if(c[0]=='identify')try{{"
    "o=c[1][1]||{{}};u=new URL(u,location.href).origin+'/api/v1/widget/session';"
    "b=JSON.stringify({{public_key:k,user_id:String(c[1][0]),traits:o.traits,"
    "locale:o.locale||navigator.language,company:o.company,identity_token:o.token}});"
    "x=new XMLHttpRequest;x.open('POST',u);x.responseType='json';x.send(b);"
    "s.p=[u+b,new Promise(function(r){{x.onloadend=function(){{"
    "r({{status:x.status,body:x.response}})}}}})]"
    "}}catch(e){{}}}}(Shirube,{key},{url});"
)

# Inside a <script> element only these can end the element or the line early (U+2028/9 are
# line terminators for older JavaScript engines). They can occur only inside JSON strings,
# where the \uXXXX escapes mean the same characters.
_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any) -> str:
    """JSON that is safe to place inside an inline <script> element."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_SCRIPT_SAFE)


def render_snippet(
    widget_url: str,
    public_key: str,
    user_id: str,
    options: Mapping[str, Any],
    nonce: str | None = None,
) -> str:
    """The snippet; `options` is the identify options object (traits, company, locale, token)."""
    nonce_attr = f' nonce="{html.escape(nonce, quote=True)}"' if nonce else ""
    return (
        f"<script{nonce_attr}>\n"
        f"{STUB}\n"
        f"Shirube.identify({script_json(user_id)}, {script_json(dict(options))});\n"
        f"{PRELOAD.format(key=script_json(public_key), url=script_json(widget_url))}\n"
        "</script>\n"
        f'<script{nonce_attr} async src="{html.escape(widget_url, quote=True)}" '
        f'data-key="{html.escape(public_key, quote=True)}" crossorigin="anonymous"></script>\n'
    )
