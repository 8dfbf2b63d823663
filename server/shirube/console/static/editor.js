// The content editor's enhancements (#14): the form works without this file; with it, every
// change is saved as a draft (debounced), errors appear next to their fields, a save over a
// newer draft shows the conflict message, steps and items reorder by drag and drop, event and
// trait names are suggested, and the audience shows how many users it matches.
// Served from our origin (CSP: script-src 'self'); text from the server goes in by textContent.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  var token = form.querySelector("input[name=csrf_token]").value;
  var revision = document.getElementById("draft-revision");
  var status = document.getElementById("editor-status");
  var conflictBox = document.getElementById("editor-conflict");
  var general = document.getElementById("editor-general");
  var editable = form.dataset.autosave === "on";
  var timer = null;
  var saving = null;
  var dirty = false;
  var stopped = false;
  var DELAY = 800;
  // A change the server refused as invalid is kept in this browser until a save succeeds, so a
  // tab closed meanwhile loses nothing: the page offers it back (for the same draft revision).
  var KEPT = "shirube.editor:" + form.action;

  function keep() {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "op" && name !== "csrf_token" && typeof value === "string") entries.push([name, value]);
    });
    try {
      localStorage.setItem(KEPT, JSON.stringify({ revision: revision.value, entries: entries }));
    } catch (e) { /* storage full or off: nothing kept */ }
  }
  function forget() {
    try { localStorage.removeItem(KEPT); } catch (e) { /* nothing kept */ }
  }

  function say(key) {
    status.textContent = status.getAttribute("data-t-" + key) || "";
    status.dataset.state = key;
  }

  function showErrors(errors) {
    var slots = form.querySelectorAll("[data-errors-for]");
    var byField = {};
    errors.forEach(function (e) { byField[e.field] = e.messages; });
    general.textContent = "";
    slots.forEach(function (slot) {
      var messages = byField[slot.getAttribute("data-errors-for")] || [];
      delete byField[slot.getAttribute("data-errors-for")];
      slot.textContent = "";
      messages.forEach(function (m) {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = m;
        slot.appendChild(p);
      });
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    errors.forEach(function (e) {
      var slot = form.querySelector('[data-errors-for="' + CSS.escape(e.field) + '"]');
      var field = slot && slot.parentElement.querySelector("input, select, textarea");
      if (field) field.setAttribute("aria-invalid", "true");
    });
    Object.keys(byField).forEach(function (field) {
      byField[field].forEach(function (m) {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = m;
        general.appendChild(p);
      });
    });
  }

  function save(leaving) {
    timer = null;
    if (stopped || !editable) return Promise.resolve();
    if (saving) { dirty = true; return saving; }
    dirty = false;
    say("saving");
    var body = new URLSearchParams(new FormData(form));
    body.delete("op");
    saving = fetch(form.action, {
      method: "POST",
      headers: { "X-Shirube-Autosave": "1", "X-CSRF-Token": token },
      body: body,
      credentials: "same-origin",
      // A tab being closed: the browser finishes the request after the page is gone.
      keepalive: leaving === true && body.toString().length < 60000,
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.status === 409) {
          stopped = true;
          conflictBox.hidden = false;
          say("not-saved");
          document.getElementById("editor-reload").focus();
          return;
        }
        if (answer.saved) forget(); else keep();
        revision.value = String(answer.draft_revision);
        var badge = document.getElementById("unpublished-badge");
        if (badge && answer.saved) {
          badge.hidden = !answer.unpublished_changes;
          badge.dataset.unpublished = answer.unpublished_changes ? "yes" : "no";
        }
        showErrors(answer.errors || []);
        say(answer.saved ? "saved" : "not-saved");
      });
    }).catch(function () {
      say("offline");
      dirty = true;
    }).then(function () {
      saving = null;
      if (dirty && !stopped) schedule();
    });
    return saving;
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", function (event) {
    if (event.target.closest("[data-no-save]")) return;
    schedule();
  });
  form.addEventListener("change", schedule);

  // A row button or "Save" submits the form the usual way (every field goes with it, so a
  // pending autosave is not needed); one in flight is waited for, for its new revision.
  form.addEventListener("submit", function (event) {
    if (stopped) { event.preventDefault(); return; }
    if (timer) { clearTimeout(timer); timer = null; }
    if (!saving) return;
    event.preventDefault();
    var submitter = event.submitter;
    saving.then(function () {
      // A task later: Chrome ignores a submission requested within the refused one's turn.
      setTimeout(function () {
        if (stopped) return;
        if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
      }, 0);
    });
  });

  // The change kept from a closed tab, offered back: posted as the form would be, so the page
  // comes back with it and its errors next to their fields.
  var restore = document.getElementById("editor-restore");
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(KEPT) || "null"); } catch (e) { kept = null; }
  if (kept && restore && editable && !form.querySelector(".field-errors .error")) {
    if (kept.revision !== revision.value) {
      forget();
    } else {
      restore.hidden = false;
      document.getElementById("editor-restore-yes").addEventListener("click", function () {
        var post = document.createElement("form");
        post.method = "post";
        post.action = form.action;
        kept.entries.concat([["csrf_token", token]]).forEach(function (pair) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = pair[0];
          input.value = pair[1];
          post.appendChild(input);
        });
        document.body.appendChild(post);
        post.submit();
      });
      document.getElementById("editor-restore-no").addEventListener("click", function () {
        forget();
        restore.hidden = true;
      });
    }
  }

  window.addEventListener("pagehide", function () {
    if (timer) { clearTimeout(timer); save(true); }
  });

  // Fields that belong to one choice only (an event name for "on an event") show for it.
  function showChosen() {
    form.querySelectorAll("[data-show-when]").forEach(function (field) {
      var rule = field.getAttribute("data-show-when");
      var at = rule.lastIndexOf(":");
      var select = form.querySelector('[name="' + CSS.escape(rule.slice(0, at)) + '"]');
      if (!select) return;
      field.hidden = rule.slice(at + 1).split(",").indexOf(select.value) < 0;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") showChosen();
  });
  showChosen();

  // Drag and drop: a row dropped on another moves there (the server renumbers, as for the
  // keyboard's move buttons).
  var list = document.getElementById(form.dataset.list);
  var dragged = null;
  if (list && editable) {
    list.addEventListener("dragstart", function (event) {
      var row = event.target.closest(".row");
      if (!row) return;
      dragged = row;
      row.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.row);
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
    });
    list.addEventListener("dragover", function (event) {
      if (dragged && event.target.closest(".row")) event.preventDefault();
    });
    list.addEventListener("drop", function (event) {
      var row = event.target.closest(".row");
      if (!dragged || !row || row === dragged) return;
      event.preventDefault();
      var op = document.createElement("input");
      op.type = "hidden";
      op.name = "op";
      op.value = "move:" + dragged.dataset.row + ":" + row.dataset.row;
      form.appendChild(op);
      if (timer) { clearTimeout(timer); timer = null; }
      (saving || Promise.resolve()).then(function () {
        setTimeout(function () { if (!stopped) form.submit(); }, 0);
      });
    });
  }

  // Suggestions: event names this workspace received; trait names and sample values.
  function fill(datalist, values) {
    if (!datalist) return;
    datalist.textContent = "";
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = String(value);
      datalist.appendChild(option);
    });
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : Promise.reject(r.status);
    });
  }
  getJson(form.dataset.eventsUrl).then(function (answer) {
    fill(document.getElementById("event-names"), answer.events);
  }).catch(function () {});

  var traits = { user: [], company: [] };
  function traitValues(row) {
    var scope = row.querySelector("select[name$='.scope']").value;
    var name = row.querySelector("input[name$='.trait']").value;
    var found = (traits[scope] || []).filter(function (t) { return t.name === name; })[0];
    fill(row.querySelector("datalist"), found ? found.values : []);
    row.querySelector("input[name$='.trait']").setAttribute("list", "traits-" + scope);
  }
  getJson(form.dataset.traitsUrl).then(function (answer) {
    traits = answer;
    ["user", "company"].forEach(function (scope) {
      fill(document.getElementById("traits-" + scope), answer[scope].map(function (t) { return t.name; }));
    });
    document.querySelectorAll(".condition").forEach(traitValues);
  }).catch(function () {});

  // The audience as the form holds it, for the count (the server validates and matches it).
  var audience = document.getElementById("audience");
  var countLine = document.getElementById("audience-count");
  function typed(raw, type) {
    raw = raw.trim();
    if (type === "number") { var n = Number(raw); return raw !== "" && isFinite(n) ? n : raw; }
    if (type === "boolean") return ["true", "1", "yes", "on"].indexOf(raw.toLowerCase()) >= 0;
    return raw;
  }
  function audienceValue() {
    var json = audience.querySelector("textarea[name='audience.json']");
    if (json && json.value.trim()) { try { return JSON.parse(json.value); } catch (e) { return undefined; } }
    var mode = audience.querySelector("select[name='audience.mode']").value;
    if (!mode) return null;
    var conditions = [];
    audience.querySelectorAll(".condition").forEach(function (row) {
      var get = function (n) { return row.querySelector("[name$='." + n + "']").value; };
      var trait = get("trait").trim();
      if (!trait) return;
      var op = get("op"), type = get("type"), raw = get("value");
      var value;
      if (op === "exists") value = raw.trim().toLowerCase() !== "false";
      else if (op === "in") value = raw.split(",").filter(function (p) { return p.trim(); }).map(function (p) { return typed(p, type); });
      else value = typed(raw, type);
      conditions.push({ attribute: get("scope") + "." + trait, op: op, value: value });
    });
    var group = {};
    group[mode] = conditions;
    return group;
  }
  var countTimer = null;
  function count() {
    var value = audienceValue();
    if (value === undefined) { countLine.textContent = countLine.dataset.tInvalid; return; }
    countLine.textContent = countLine.dataset.tCounting;
    fetch(audience.dataset.countUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ audience: value }),
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { countLine.textContent = countLine.dataset.tInvalid; return; }
        var text = answer.exact ? countLine.dataset.tCount : countLine.dataset.tEstimate;
        countLine.textContent = text.replace("{matched}", answer.matched).replace("{seen}", answer.seen)
          .replace("{days}", answer.days).replace("{sampled}", answer.sampled);
        countLine.dataset.matched = String(answer.matched);
      });
    }).catch(function () { countLine.textContent = ""; });
  }
  if (audience) {
    var recount = function (event) {
      var row = event.target.closest(".condition");
      if (row) traitValues(row);
      if (countTimer) clearTimeout(countTimer);
      countTimer = setTimeout(count, 400);
    };
    audience.addEventListener("input", recount);
    audience.addEventListener("change", recount);
    count();
  }
})();
