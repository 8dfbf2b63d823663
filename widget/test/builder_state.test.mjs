// The builder's state (src/builder/edit.ts, model.ts): page patterns suggested from URLs (and
// matching them, by the widget's own matcher), texts per language, resuming unsaved steps,
// steps added, picked, moved and deleted, errors mapped to steps, the preview's session tour.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

if (!process.env.SHIRUBE_BUILDER_EDIT) throw new Error("run through `npm test --prefix widget`");
const b = await import(pathToFileURL(process.env.SHIRUBE_BUILDER_EDIT).href);
const { matchPage } = await import(pathToFileURL(process.env.SHIRUBE_ROUTES).href);

const state = (steps = []) => ({ tour: "t", draft: { key: "t", name: "T", steps }, current: 0, dirty: false, lang: "en" });

test("page patterns are suggested from the URL and match it", () => {
  const cases = [
    ["https://app.example.com/employees/42", "/employees/*"],
    ["https://app.example.com/employees/42/edit?tab=1", "/employees/*/edit"],
    ["https://app.example.com/settings", "/settings"],
    ["https://app.example.com/", "/"],
    ["https://app.example.com/o/3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f/members", "/o/*/members"],
    ["https://app.example.com/app#/shifts/7", "/app#/shifts/*"],
    ["https://app.example.com/docs#intro", "/docs"],
  ];
  for (const [url, pattern] of cases) {
    assert.equal(b.suggestPattern(url), pattern, url);
    assert.ok(matchPage(pattern, url), `${pattern} must match ${url}`);
  }
});

test("texts per language: set, cleared, a plain string kept as the other language's", () => {
  assert.deepEqual(b.withText(undefined, "ja", "保存"), { ja: "保存" });
  assert.deepEqual(b.withText({ ja: "保存" }, "en", "Save"), { ja: "保存", en: "Save" });
  assert.deepEqual(b.withText({ ja: "保存", en: "Save" }, "en", "  "), { ja: "保存" });
  assert.equal(b.withText({ ja: "保存" }, "ja", ""), undefined);
  assert.deepEqual(b.withText("Save", "ja", "保存"), { en: "Save", ja: "保存" });
  assert.equal(b.textIn("Save", "ja"), "Save");
  assert.equal(b.textIn({ en: "Save" }, "ja"), "");
});

test("unsaved steps of the same tour are resumed (stale when saved elsewhere since); otherwise the server's draft", () => {
  const server = { key: "t", steps: [{ id: "a", kind: "modal", title: "A" }] };
  const kept = { ...state([{ id: "a", kind: "modal", title: "A" }, { id: "b", kind: "modal", title: "B" }]), dirty: true, current: 1, base: 4 };
  const same = b.merge(kept, "t", server, "en", 4);
  assert.equal(same.resumed, true);
  assert.equal(same.stale, false);
  assert.equal(same.state.draft.steps.length, 2);
  assert.equal(b.merge(kept, "t", server, "en", 5).stale, true);
  const fresh = b.merge({ ...kept, dirty: false }, "t", server, "en", 5);
  assert.equal(fresh.state.draft, server);
  assert.equal(fresh.state.base, 5);
  assert.equal(b.merge(kept, "other", { key: "other", steps: [] }, "ja", 1).resumed, false);
  assert.equal(b.merge(null, "t", server, "ja", 1).state.lang, "ja");
});

test("steps are added after the current one, picked, moved and deleted", () => {
  const s = state([{ id: "step-1", kind: "modal", title: "Hi" }]);
  b.addStep(s, "tooltip", "/employees/*", "ja", "…");
  assert.equal(s.current, 1);
  assert.deepEqual(s.draft.steps[1], { id: "step-2", kind: "tooltip", page: "/employees/*", title: { ja: "…" } });
  const target = { css: "#save", fallbacks: [{ by: "aria", css: "button,[role=button]", name: "Save" }], text: "Save" };
  // Picked on another page than the step's own: the step moves to this page.
  b.pickInto(s, target, "/settings", (step) => step.page === "/settings", "ja");
  assert.equal(s.draft.steps[1].page, "/settings");
  assert.equal(s.draft.steps[1].target, target);
  assert.equal(b.moveStep(s, -1), true);
  assert.deepEqual(s.draft.steps.map((x) => x.id), ["step-2", "step-1"]);
  assert.equal(s.current, 0);
  assert.equal(b.moveStep(s, -1), false);
  b.patchStep(s, { placement: "bottom", page: undefined });
  assert.equal(s.draft.steps[0].placement, "bottom");
  assert.equal("page" in s.draft.steps[0], false);
  b.removeStep(s);
  assert.deepEqual(s.draft.steps.map((x) => x.id), ["step-1"]);
  assert.equal(b.newStepId(s.draft), "step-2");
  // Nothing to pick into: a tooltip is made for the element.
  const empty = state();
  b.pickInto(empty, target, "/x", () => true, "en");
  assert.equal(empty.draft.steps[0].kind, "tooltip");
});

test("errors map to their step; the preview tour starts at the current step", () => {
  assert.deepEqual(b.stepOfPath("steps[2].title.ja"), [2, "title.ja"]);
  assert.deepEqual(b.stepOfPath("steps[0]"), [0, ""]);
  assert.equal(b.stepOfPath("name"), null);
  const draft = {
    key: "t",
    steps: [
      { id: "a", kind: "modal", title: { ja: "ようこそ", en: "Welcome" } },
      { id: "b", kind: "tooltip", target: { css: "#x", fallbacks: [] }, title: { en: "Only English" }, page: "/p" },
    ],
  };
  const tour = b.asSessionTour(draft, "ja", 1);
  assert.equal(tour.progress.current_step, "b");
  assert.equal(tour.steps[0].title, "ようこそ");
  assert.equal(tour.steps[1].title, "Only English");
  assert.deepEqual(tour.steps[1].target, { css: "#x", fallbacks: [] });
  assert.equal(tour.steps[1].placement, "auto");
});
