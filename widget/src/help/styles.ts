// The help centre's rules (the help chunk adds them to the root when it first paints), under
// .shc .hc: the checklist panel's rules for lists and headings are undone here.
export const HELP_CSS =
  ".shc .hc input{width:100%;margin:10px 0 4px;padding:6px 10px;border:1px solid #6e7781;border-radius:calc(var(--shirube-radius)*.75)}" +
  ".shc .hc h3{margin:12px 0 2px;font-size:12px;font-weight:700;color:#57606a}" +
  ".shc .hc h3.at{margin:8px 0;font-size:16px;color:#1f2328}" +
  ".shc .hc li{display:block;padding:0;border:0}" +
  ".shc .hc .e{display:block;width:100%;border:0;padding:6px 8px;background:none;color:var(--shirube-link);text-decoration:none}" +
  ".shc .hc .e:hover{background:#f6f8fa}" +
  ".shc .hc .e::after{content:' \\203a'}.shc .hc a.e::after{content:' \\2197'}" +
  ".shc .hc .sn{display:block;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;color:#57606a;font-size:12px}" +
  ".shc .hc .st{margin:8px 0 0;color:#57606a;font-size:12px}" +
  ".shc .hc .bk{border:0;padding:2px 0;background:none;color:var(--shirube-link)}" +
  ".shc .hc .ct{display:block;margin-top:12px;padding:8px;border:1px solid var(--shirube-brand);border-radius:calc(var(--shirube-radius)*.75);text-align:center;color:var(--shirube-link)}";
