// Robust targets (src/builder/targets.ts) on a DOM of happy-dom's: the primary is the most
// stable strategy that finds exactly the element, fallbacks follow in order, generated-looking
// names are skipped, and each recorded entry finds the element again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { Window } from "happy-dom";

if (!process.env.SHIRUBE_TARGETS) throw new Error("run through `npm test --prefix widget` (test/run.mjs bundles src/builder/targets.ts)");
const window = new Window({ url: "https://app.example.com/employees/42" });
globalThis.CSS = window.CSS;
const { targetFor, looksGenerated, accessibleName, countOf, matchesOf, MAX_FALLBACKS } = await import(pathToFileURL(process.env.SHIRUBE_TARGETS).href);

const page = (html) => {
  const doc = window.document;
  doc.body.innerHTML = html;
  return doc;
};

test("the primary is the most stable unique strategy; fallbacks follow in order", () => {
  const doc = page(`<main><form>
    <button id="save" name="save" data-testid="save-button" data-shirube-id="employee-save" class="btn btn-primary Button_root__3xk2a">Save employee</button>
    <button class="btn">Cancel</button></form></main>`);
  const el = doc.querySelector("#save");
  const t = targetFor(el, doc);
  assert.equal(t.css, '[data-shirube-id="employee-save"]');
  assert.deepEqual(t.fallbacks.map((f) => f.by), ["testid", "id", "name", "aria", "class", "path"]);
  assert.deepEqual(t.fallbacks[0], { by: "testid", css: '[data-testid="save-button"]' });
  const aria = t.fallbacks.find((f) => f.by === "aria");
  assert.equal(aria.name, "Save employee");
  assert.match(aria.css, /^button,/);
  // The hashed CSS-module class is not recorded; the stable ones are.
  assert.equal(t.fallbacks.find((f) => f.by === "class").css, "button.btn.btn-primary");
  assert.equal(t.text, "Save employee");
  assert.ok(t.fallbacks.length <= MAX_FALLBACKS);
  for (const f of [{ css: t.css }, ...t.fallbacks]) assert.equal(countOf(doc, f), 1, JSON.stringify(f));
});

test("without test ids the id, then the role and name, then classes lead", () => {
  let doc = page(`<nav><a href="/employees" id="nav-employees">Employees</a><a href="/shifts">Shifts</a></nav>`);
  assert.equal(targetFor(doc.querySelector("#nav-employees"), doc).css, "#nav-employees");
  doc = page(`<nav><a href="/employees" class="nav-link">Employees</a><a href="/shifts" class="nav-link">Shifts</a></nav>`);
  const t = targetFor(doc.querySelector("a"), doc);
  // Two .nav-link: the class is not unique, not recorded; the aria entry is, but is never the
  // primary (it needs the name): a path is.
  assert.deepEqual(t.fallbacks.map((f) => f.by), ["aria"]);
  assert.match(t.css, /a(:nth-of-type\(1\))?$/);
  assert.equal(doc.querySelector(t.css), doc.querySelector("a"));
});

test("generated-looking ids and classes are skipped", () => {
  for (const name of ["x_a3f9c", "Button_root__3xk2a", "css-1x2y3z", "sc-bdfBwQ", ":r1:", "ember1234", "row-1024", "a1b2c3d4e5f6", "jsx-2837461"])
    assert.equal(looksGenerated(name), true, name);
  for (const name of ["btn", "btn-primary", "nav-link", "heading1", "step2", "employee-save", "col-md-6", "save"])
    assert.equal(looksGenerated(name), false, name);
  const doc = page(`<div><span id=":r5:" class="css-1x2y3z x_a3f9c">Hi</span></div>`);
  const t = targetFor(doc.querySelector("span"), doc);
  assert.ok(!t.css.includes("r5") && !t.css.includes("css-1x2y3z"), t.css);
  assert.ok(t.fallbacks.every((f) => f.by !== "id" && f.by !== "class"));
});

test("the path is short: from the nearest stable id, as few levels as make it unique", () => {
  const doc = page(`<section id="employees"><ul><li>A</li><li><span>B</span></li></ul></section><ul><li><span>C</span></li></ul>`);
  const span = doc.querySelectorAll("span")[0];
  const t = targetFor(span, doc);
  assert.equal(countOf(doc, { css: t.css }), 1);
  assert.equal(doc.querySelector(t.css), span);
  assert.ok(t.css.split(">").length <= 6, t.css);
});

test("accessible names as the widget compares them: aria-label, else the text", () => {
  const doc = page(`<label for="mail">Work email</label><input id="mail" type="email">
    <button aria-label="Close dialog">×</button><a href="/x">  Open
      report </a>`);
  assert.equal(accessibleName(doc.querySelector("button")), "Close dialog");
  assert.equal(accessibleName(doc.querySelector("a")), "Open report");
  // A <label> names the input for a screen reader, not for the widget's finder: no aria entry.
  assert.equal(accessibleName(doc.querySelector("#mail")), "");
  assert.ok(targetFor(doc.querySelector("#mail"), doc).fallbacks.every((f) => f.by !== "aria"));
});

test("text is recorded up to 200 characters, left out when longer (never cut) or empty", () => {
  const doc = page(`<p id="ok">${"あ".repeat(200)}</p><p id="long">${"あ".repeat(201)}</p><div id="empty"></div>`);
  assert.equal(targetFor(doc.querySelector("#ok"), doc).text.length, 200);
  assert.equal("text" in targetFor(doc.querySelector("#long"), doc), false);
  assert.equal("text" in targetFor(doc.querySelector("#empty"), doc), false);
});

test("a fallback finds the element after the markup changed", () => {
  let doc = page(`<div><button id="add" class="btn add-employee" data-testid="add">Add employee</button></div>`);
  const t = targetFor(doc.querySelector("button"), doc);
  // The next release drops the testid and the id and renames the classes.
  doc = page(`<div><p>New banner</p><button class="Btn_x__9f8e7">Add employee</button></div>`);
  assert.equal(matchesOf(doc, t), 0);
  // The aria entry still finds exactly it (the widget tries the entries in order).
  const still = t.fallbacks.filter((f) => countOf(doc, f) === 1);
  assert.ok(still.some((f) => f.by === "aria"));
  assert.ok(!still.some((f) => f.by === "testid" || f.by === "id" || f.by === "class"));
  assert.equal(t.text, "Add employee");
  // A plain selector string (older content) still counts and resolves.
  assert.equal(matchesOf(doc, "button"), 1);
});

test("every recorded selector is one the server takes: at most 500 characters, no control characters", () => {
  // A deep app without ids or stable classes: the structural path from the top would pass
  // content/target.py's SELECTOR_MAX; a test id with a line break fails its syntax check.
  const deep = '<div></div><div><button type="button">Go</button>'.repeat(40) + "</div>".repeat(40);
  let doc = page(deep);
  const buttons = doc.querySelectorAll("button");
  let t = targetFor(buttons[buttons.length - 1], doc);
  for (const f of [{ css: t.css }, ...t.fallbacks]) {
    assert.ok(f.css.length <= 500, `${f.by || "primary"}: ${f.css.length} characters`);
  }
  doc = page(`<button data-testid="save\nnow" class="btn">Save</button><button data-testid="${"x".repeat(600)}">Other</button>`);
  // The line break is escaped, and the test id still finds its element.
  t = targetFor(doc.querySelector("button"), doc);
  assert.equal(t.css, '[data-testid="save\\a now"]');
  assert.equal(countOf(doc, t), 1);
  for (const el of doc.querySelectorAll("button")) {
    t = targetFor(el, doc);
    for (const f of [{ css: t.css }, ...t.fallbacks]) {
      assert.ok(f.css.length <= 500 && !/[\x00-\x1f\x7f]/.test(f.css), JSON.stringify(f.css.slice(0, 80)));
    }
  }
});
