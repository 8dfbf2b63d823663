// The builder panel's stylesheet (its own shadow root; constructable, no CSP nonce needed).
export const BUILDER_CSS =
  "*{box-sizing:border-box;font:13px/1.45 system-ui,sans-serif;color:#1f2328}" +
  // At most 320 px wide and 70 % of the viewport high, in a bottom corner; folded, a bar.
  ".pn{position:fixed;z-index:2147483647;right:12px;bottom:12px;width:min(320px,100vw - 24px);max-height:min(520px,70vh);overflow:auto;background:#fff;border:1px solid #8c959f;border-radius:8px;box-shadow:0 8px 28px #0005;padding:10px}" +
  ".pn.l{right:auto;left:12px}.pn.f{width:auto;max-width:calc(100vw - 24px);padding:4px 6px}.pn.f .hd{margin:0}" +
  // A small viewport (a phone, a narrow window): docked along the bottom edge, below 45 %.
  "@media (max-width:600px){.pn:not(.f){left:0;right:0;bottom:0;width:auto;max-height:45vh;border-radius:8px 8px 0 0}}" +
  ".hd{display:flex;align-items:center;gap:6px;margin-bottom:8px}.hd b{flex:1;font-weight:700}" +
  ".tb{display:flex;flex-wrap:wrap;gap:4px;margin-bottom:8px}" +
  "button{cursor:pointer;border-radius:5px;padding:4px 8px;border:1px solid #6e7781;background:#f6f8fa}" +
  "button[aria-pressed=true]{background:#0550ae;color:#fff;border-color:#0550ae}" +
  "button.pr{background:#1f883d;color:#fff;border-color:#1f883d}" +
  "ol{margin:0 0 8px;padding:0;list-style:none}ol button{width:100%;text-align:left;border-color:#d0d7de;background:#fff;margin-bottom:2px}" +
  "ol button[aria-current=true]{border-color:#0550ae;box-shadow:inset 3px 0 #0550ae}ol .er{border-color:#cf222e}" +
  "label{display:block;margin:6px 0 2px;font-weight:600}" +
  "input,select,textarea{width:100%;padding:4px 6px;border:1px solid #8c959f;border-radius:4px;background:#fff}textarea{min-height:48px;resize:vertical}" +
  ".bd{display:inline-block;margin-top:3px;padding:1px 6px;border-radius:10px;background:#dafbe1;font-size:12px}.bd.w{background:#ffebe9;color:#a40e26}" +
  ".ht{color:#57606a;font-size:12px}.row{display:flex;gap:4px;margin-top:8px}" +
  ".ms{margin:6px 0;padding:6px 8px;border-radius:5px;background:#ddf4ff}.ms.w{background:#ffebe9}" +
  ".ms ul{margin:4px 0 0;padding-left:18px}" +
  ".ol{position:fixed;z-index:2147483646;pointer-events:none;outline:2px solid #0550ae;background:#0550ae22;border-radius:2px}" +
  ".st{position:fixed;z-index:2147483647;right:12px;bottom:12px}" +
  ":focus-visible{outline:2px solid #0550ae;outline-offset:1px}";
