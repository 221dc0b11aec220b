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

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
