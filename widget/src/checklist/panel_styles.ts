// The checklist panel's rules (the panel chunk adds them to the root when it first paints).
export const PANEL_CSS =
  ".shc .pa:focus{outline:0}" +
  ".shc .pr,.shc [data-state=done] .ck{border-color:var(--shirube-brand);background:var(--shirube-brand);color:var(--shirube-on-brand)}" +
  ".shc .pa{box-shadow:0 4px 16px #0004;width:340px;max-width:100%;max-height:calc(var(--vh,100vh)*.7);overflow:auto;padding:16px;border-radius:calc(var(--shirube-radius) + 2px);background:#fff}" +
  ".shc .hd,.shc .sw,.shc .rt{display:flex;flex-wrap:wrap;align-items:center;gap:6px}" +
  ".shc h2{flex:1;margin:0;font-size:16px}" +
  ".shc .sw{margin-top:8px}" +
  ".shc .tb{gap:0;border-bottom:1px solid #d0d7de}" +
  ".shc .tb button{border:0;border-bottom:2px solid #0000;border-radius:0;background:none}" +
  ".shc .tb [aria-selected=true]{border-color:var(--shirube-brand);font-weight:700}" +
  ".shc .ds,.shc .ds *{color:#57606a;font-size:13px}" +
  ".shc .bar{height:8px;margin:12px 0;overflow:hidden;border-radius:4px;background:#d0d7de}" +
  ".shc .bar span{display:block;height:100%;width:var(--p);background:var(--shirube-brand)}" +
  ".shc .ls{list-style:none;margin:0;padding:0}" +
  ".shc li{display:flex;gap:10px;padding:8px 0;border-top:1px solid #d0d7de}" +
  ".shc .ck{flex:none;width:20px;height:20px;border:2px solid #6e7781;border-radius:50%;text-align:center;font-size:12px;line-height:16px}" +
  ".shc [data-state=done] .ck::after{content:'✓'}" +
  ".shc .tx{flex:1}" +
  ".shc .it,.shc .dn{font-weight:700}" +
  ".shc .ia{border:0;padding:0;background:none;text-decoration:underline}" +
  ".shc [data-state=done] .it{color:#57606a;text-decoration:line-through}" +
  ".shc .dn{margin:12px 0 8px;padding:10px;border-radius:6px;background:#dafbe1;color:#1a3d24}" +
  ".shc button:disabled{opacity:.5;cursor:default}" +
  ".shc label{display:block;margin-top:8px}" +
  ".shc textarea{width:100%;margin:4px 0 8px}" +
  ".shc .sv [data-shirube-action=submit]{position:sticky;bottom:0}" +
  "@media (prefers-reduced-motion:no-preference){.shc .bar span{transition:width .4s}}" +
  // A toast fades out after 4 s and removes itself when that animation ends (panel.ts).
  ".shc .to{max-width:320px;padding:10px 14px;border-radius:var(--shirube-radius);background:#1f2328;color:#fff;box-shadow:0 4px 16px #0004;animation:shc-out .3s 3.7s forwards}" +
  ".shc .to a{color:#fff}" +
  "@media (prefers-reduced-motion:no-preference){.shc .to{animation:shc-in .25s ease-out,shc-out .3s 3.7s forwards}}" +
  "@keyframes shc-in{from{opacity:0;transform:translateY(8px)}}@keyframes shc-out{to{opacity:0}}";
