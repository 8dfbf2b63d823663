// The theme page (console/templates/theme.html): keeps the preview frame and the contrast line
// in step with the form as it changes. The frame's hash carries the form's fields (the preview
// page restarts the widget on hashchange); the contrast uses WCAG 2.x's formula, the same as
// the server's check on save (server/shirube/services/theme_contrast.py).
(() => {
  "use strict";
  const form = document.getElementById("theme-form");
  const frame = document.getElementById("theme-preview");
  if (!form || !frame) return;
  const FIELDS = ["brand_color", "text_color", "text_color_auto", "font_family", "corner_radius",
    "launcher_position", "launcher_label_ja", "launcher_label_en"];
  const HEX = /^#[0-9a-f]{6}$/i;
  const base = frame.getAttribute("src").split("#")[0];
  const locale = document.getElementById("preview-locale");
  const step = document.getElementById("preview-step");
  const box = document.getElementById("contrast");
  const text = document.getElementById("contrast-text");
  const swatch = document.getElementById("contrast-swatch");
  const anyway = document.getElementById("save-anyway");
  const textColor = form.elements.namedItem("text_color");
  const auto = form.elements.namedItem("text_color_auto");

  // Read one by one: a viewer's fields are disabled, and FormData skips disabled fields.
  const value = (name) => {
    const field = form.elements.namedItem(name);
    if (!field) return "";
    return field.type === "checkbox" ? (field.checked ? "on" : "") : field.value;
  };

  const luminance = (hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)];
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };

  function contrast() {
    const brand = HEX.test(value("brand_color")) ? value("brand_color") : "#0055cc";
    // The widget's own choice without a text colour (widget/src/styles.ts).
    const automatic = luminance(brand) <= 0.18 ? "#ffffff" : "#1f2328";
    const fg = value("text_color_auto") === "on" || !HEX.test(value("text_color")) ? automatic : value("text_color");
    const r = ratio(fg, brand);
    const passes = r >= Number(box.dataset.aa);
    // Rounded down, as the server shows it: 4.499 never reads as a passing 4.50.
    const shown = `${(Math.floor(r * 100) / 100).toFixed(2)}:1`;
    text.textContent = (passes ? box.dataset.ok : box.dataset.low).replace("{ratio}", shown);
    text.dataset.passes = passes ? "yes" : "no";
    box.classList.toggle("low", !passes);
    anyway.hidden = passes;
    swatch.style.setProperty("--swatch-bg", brand);
    swatch.style.setProperty("--swatch-fg", fg);
  }

  let timer = 0;
  function preview() {
    const params = new URLSearchParams();
    for (const name of FIELDS) params.set(name, value(name));
    params.set("locale", locale.value);
    params.set("step", step.value);
    // replace(): a fragment change, so no reload and no history entry per keystroke.
    frame.contentWindow?.location.replace(`${base}#${params}`);
  }

  function changed() {
    if (!textColor.closest("fieldset:disabled")) textColor.disabled = auto.checked;
    contrast();
    clearTimeout(timer);
    timer = setTimeout(preview, 150);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  locale.addEventListener("change", changed);
  step.addEventListener("change", changed);
  changed();
})();
