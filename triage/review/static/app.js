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
