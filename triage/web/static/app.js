// Progressive enhancement only: every page works without this file.
"use strict";

const MARKER = /\[\[([a-z][a-z0-9_]{0,39})\]\]/g;

function unfilledIn(text) {
  return [...new Set([...text.matchAll(MARKER)].map((m) => m[1]))];
}

// The slots still to fill, kept in step with the reply box as the analyst types.
function watchSlots(box) {
  const panel = document.getElementById("unfilled");
  const list = document.getElementById("unfilled-list");
  if (!panel || !list) return;
  const update = () => {
    const names = unfilledIn(box.value);
    list.replaceChildren(...names.map((name) => {
      const mark = document.createElement("mark");
      mark.className = "slot";
      mark.textContent = `[[${name}]]`;
      return mark;
    }));
    panel.hidden = names.length === 0;
  };
  box.addEventListener("input", update);
  update();
}

// Leaving the page with an unsaved reply asks first; submitting the reply form does not, and
// redrafting from another template asks only when it would replace unsaved text.
function guardUnsaved(box) {
  const original = box.value;
  let submitting = false;
  box.form.addEventListener("submit", () => { submitting = true; });
  const redraft = document.getElementById("template-form");
  if (redraft) {
    redraft.addEventListener("submit", (event) => {
      if (box.value !== original && !window.confirm(redraft.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      submitting = true;
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && box.value !== original) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input.row-check").forEach((box) => {
        box.checked = all.checked;
      });
    });
  }
  const reply = document.getElementById("reply-body");
  if (reply) {
    watchSlots(reply);
    guardUnsaved(reply);
  }
  // A second click while the first request is in flight would only repeat it; stop it early.
  document.querySelectorAll("form[method='post']").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type='submit']").forEach((button) => {
        window.setTimeout(() => { button.disabled = true; }, 0);
      });
    });
  });
});

// Keyboard shortcuts (listed on the "?" overlay). Off while typing in a field.
function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function queueRows() {
  return [...document.querySelectorAll("table.queue tbody tr[data-href]")];
}

function select(rows, index) {
  rows.forEach((row) => row.classList.remove("selected"));
  const row = rows[Math.max(0, Math.min(index, rows.length - 1))];
  if (!row) return;
  row.classList.add("selected");
  row.scrollIntoView({ block: "nearest" });
}

function selectedIndex(rows) {
  return rows.findIndex((row) => row.classList.contains("selected"));
}

function confirmRow(row) {
  const box = row.querySelector("input.row-check");
  if (!box) return;
  document.querySelectorAll("input.row-check").forEach((other) => { other.checked = false; });
  box.checked = true;
  document.getElementById("bulk").requestSubmit();
}

function toggleHelp(show) {
  const help = document.getElementById("shortcuts");
  if (help) help.hidden = show === undefined ? !help.hidden : !show;
}

function click(id) {
  const element = document.getElementById(id);
  if (element && !element.disabled) element.click();
}

function onQueueKey(key, rows) {
  const at = selectedIndex(rows);
  if (key === "j") select(rows, at + 1);
  else if (key === "k") select(rows, at < 0 ? 0 : at - 1);
  else if ((key === "o" || key === "Enter") && at >= 0) window.location.href = rows[at].dataset.href;
  else if (key === "c" && at >= 0) confirmRow(rows[at]);
  else return false;
  return true;
}

function onTicketKey(key) {
  if (key === "c") click("confirm");
  else if (key === "a") click("approve");
  else if (key === "n") click("next-ticket");
  else return false;
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  let handled = true;
  if (event.key === "?") toggleHelp();
  else if (event.key === "Escape") toggleHelp(false);
  else if (event.key === "/" && document.getElementById("search")) {
    document.getElementById("search").focus();
  } else {
    const rows = queueRows();
    handled = rows.length ? onQueueKey(event.key, rows) : onTicketKey(event.key);
  }
  if (handled) event.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  const hint = document.getElementById("show-shortcuts");
  if (hint) hint.addEventListener("click", () => toggleHelp());
  const help = document.getElementById("shortcuts");
  if (help) help.addEventListener("click", (event) => { if (event.target === help) toggleHelp(false); });
  queueRows().forEach((row, index) => {
    row.addEventListener("click", (event) => {
      if (!(event.target instanceof HTMLInputElement)) select(queueRows(), index);
    });
  });
});
