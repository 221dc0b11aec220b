// The review page's keyboard: Space shows the answer, 1-4 rate the card (Again, Hard, Good, Easy), u undoes
// the last rating.
// Without this file the same buttons work by mouse, Tab and Enter.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var button = null;
    if (event.key === " " || event.key === "Spacebar") {
      button = document.querySelector("button[data-reveal]");
    } else if (/^[1-4]$/.test(event.key)) {
      button = document.querySelector('button[data-rating-key="' + event.key + '"]');
    } else if (event.key === "u" || event.key === "U") {
      button = document.querySelector("button[data-undo]");
    }
    if (!button) { return; }
    event.preventDefault();
    button.click();
  });
})();
