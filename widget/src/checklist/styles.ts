// The checklist's rules in the core: the corner box and the launcher, parsed with
// the core's into one sheet (styles.ts); the panel's and the toasts' are in panel_styles.ts,
// loaded with them.
// Colours and font come from the core's theme variables (--shirube-brand, --shirube-on-brand,
// --shirube-font); every rule is scoped under .shc so it cannot restyle tour cards.
// `all:initial` stops properties inherited from the host page through <shirube-root>.
export const CHECKLIST_CSS =
  ".shc{all:initial;position:fixed;z-index:2147483000;bottom:16px;right:16px;display:flex;flex-direction:column;align-items:flex-end;gap:8px;max-width:calc(100vw - 32px);font:14px/1.5 var(--shirube-font);color:#1f2328}" +
  ".shc.shc-l{right:auto;left:16px;align-items:flex-start}" +
  ".shc.shc-t{bottom:auto;top:16px;flex-direction:column-reverse}" +
  ".shc [hidden],.shc[hidden]{display:none!important}" +
  ".shc .la{display:flex;align-items:center;gap:8px;border:0;border-radius:99px;padding:8px 16px;font-weight:700;background:var(--shirube-brand);color:var(--shirube-on-brand);box-shadow:0 4px 16px #0004}" +
  ".shc .ring{width:18px;height:18px;border-radius:50%;background:conic-gradient(var(--shirube-on-brand) var(--p),#fff4 0)}" +
  ".shc .ts{display:flex;flex-direction:column;gap:6px}";
