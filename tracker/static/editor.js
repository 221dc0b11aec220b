// Path editor: drag and drop with SortableJS. After a drop, field names are renumbered from the
// new order, so the form posts sections and items exactly as they now appear.
(function () {
  "use strict";

  function renumber(form) {
    form.querySelectorAll("[data-section]").forEach(function (section, s) {
      section.querySelectorAll("[data-field]").forEach(function (input) {
        input.name = input.dataset.field.replace("{s}", s);
      });
      section.querySelectorAll("[data-item]").forEach(function (item, i) {
        item.querySelectorAll("[data-item-field]").forEach(function (input) {
          input.name = input.dataset.itemField.replace("{s}", s).replace("{i}", i);
        });
      });
    });
    var note = form.querySelector("[data-unsaved]");
    if (note) { note.hidden = false; }
  }

  function init(root) {
    root.querySelectorAll("[data-sortable-items]").forEach(function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      new Sortable(list, {
        group: "path-items", handle: ".drag-handle", animation: 120,
        onEnd: function () { renumber(list.closest("form")); }
      });
    });
  }

  // Unsaved work is never lost without a question: typing or dragging shows the banner, and leaving the
  // page (a link, Back, closing the tab, "Discard changes") asks first. Saving does not ask.
  function editorForm() { return document.querySelector("form.path-editor"); }

  function isDirty() {
    var form = editorForm();
    var note = form && form.querySelector("[data-unsaved]");
    return Boolean(note && !note.hidden);
  }

  var saving = false;

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.path-editor");
    if (!form || event.target.hasAttribute("data-not-draft")) { return; }
    var note = form.querySelector("[data-unsaved]");
    if (note) { note.hidden = false; }
  });

  document.addEventListener("submit", function (event) {
    if (event.target.matches("form.path-editor")) { saving = true; }
  }, true);
  document.addEventListener("htmx:afterRequest", function () { saving = false; });

  window.addEventListener("beforeunload", function (event) {
    if (isDirty() && !saving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-discard]");
    if (link && isDirty() && !window.confirm("Discard your unsaved changes to this path?")) {
      event.preventDefault();
    } else if (link) {
      saving = true;  // the question was asked here; the page may go
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
