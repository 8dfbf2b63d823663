// The theme preview frame (console/templates/theme_preview.html): starts the real widget, whose
// calls go to the console's preview sandbox, with the theme the page's hash carries (the
// theme page's form fields, passed as the preview user's traits), and starts it again when the
// hash changes. The sandbox answers with sample content and stores nothing.
(() => {
  "use strict";
  const widget = window.Shirube;
  if (!widget) return;
  // The widget moves focus into its cards and panel, as it should on a real page; here that
  // would pull the caret out of the field being typed in on the theme page at every change.
  // Only while this frame has focus (someone is trying the preview) may it move focus.
  const focus = HTMLElement.prototype.focus;
  HTMLElement.prototype.focus = function (options) {
    if (document.hasFocus()) focus.call(this, options);
  };

  function start() {
    const params = new URLSearchParams(location.hash.slice(1));
    widget.reset();
    // A previous run's state (its cached answer, the tour seen this session) would paint the
    // old theme first or skip the tour.
    for (const store of [localStorage, sessionStorage]) {
      for (const key of Object.keys(store)) {
        if (key.startsWith("shirube:") && key.includes(":preview:")) store.removeItem(key);
      }
    }
    widget.identify("theme-preview", {
      locale: params.get("locale") || document.documentElement.lang,
      traits: Object.fromEntries(params),
    });
  }

  widget.on("ready", () => widget.openChecklist());
  let timer = 0;
  addEventListener("hashchange", () => {
    clearTimeout(timer);
    timer = setTimeout(start, 50);
  });
  start();
})();
