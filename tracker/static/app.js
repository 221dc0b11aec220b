// Every page: errors that reach the screen, and keyboard focus that survives in-place updates.
// The server answers 4xx with what to show (htmx swaps it, see the htmx-config meta tag); this file
// covers what the server cannot: 5xx answers (possibly from a proxy), lost connections and timeouts.
(function () {
  "use strict";

  function alertArea() { return document.getElementById("alerts"); }

  function showAlert(title, message) {
    var area = alertArea();
    if (!area) { return; }
    var box = document.createElement("div");
    box.className = "alert alert-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = title + ".";
    text.appendChild(strong);
    text.appendChild(document.createTextNode(" " + message));
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "alert-dismiss button-quiet small-button";
    dismiss.setAttribute("data-dismiss-alert", "");
    dismiss.setAttribute("aria-label", "Dismiss this message");
    dismiss.textContent = "Dismiss";
    box.appendChild(text);
    box.appendChild(dismiss);
    area.replaceChildren(box);
  }

  // Time zone: sign-up sends the browser's zone; the account page says which zone the browser is in.
  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return ""; }
  }
  function showTimeZone() {
    var zone = browserZone();
    if (!zone) { return; }
    document.querySelectorAll("input[data-detect-time-zone]").forEach(function (input) {
      if (!input.value) { input.value = zone; }
    });
    document.querySelectorAll("[data-browser-zone]").forEach(function (hint) {
      hint.querySelector("strong").textContent = zone.replace(/_/g, " ");
      hint.hidden = false;
    });
  }
  // A page answered with a refused form (400): the first field in error is brought into view and focused,
  // wherever the form sits on the page.
  function focusFirstError() {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (!invalid || (document.activeElement && document.activeElement !== document.body)) { return; }
    invalid.scrollIntoView({block: "center"});
    invalid.focus({preventScroll: true});
  }
  // A folded section shows its rows while a link has made its heading the page's target (the path map's
  // links); its fold button then says it is expanded, and folded again once the reader moves on.
  function reflectOpenedSections() {
    document.querySelectorAll(".path-section.folded").forEach(function (section) {
      var button = section.querySelector(".section-fold [aria-expanded]");
      if (button) { button.setAttribute("aria-expanded", section.querySelector("h2:target") ? "true" : "false"); }
    });
  }
  window.addEventListener("hashchange", reflectOpenedSections);
  document.addEventListener("htmx:afterSettle", reflectOpenedSections);
  function onReady() { showTimeZone(); focusFirstError(); reflectOpenedSections(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onReady);
  } else {
    onReady();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-alert]");
    if (button) { button.closest(".alert").remove(); }
    var skip = event.target.closest("[data-dismiss-takeaway]");
    if (skip) { dismissTakeaway(skip.closest("[data-takeaway-prompt]")); }
  });

  // The takeaway offered after marking an article done never stands in the way: "Not now", or Esc anywhere
  // in that article's row, removes it and leaves focus on the article's controls.
  function dismissTakeaway(prompt) {
    if (!prompt) { return; }
    var row = prompt.closest("li") || prompt.parentElement;
    prompt.remove();
    var control = row && row.querySelector(".state-controls button");
    if (control) { control.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var active = document.activeElement;
    var prompt;
    if (!active || active === document.body) {  // focus not placed yet (the row was just swapped in)
      prompt = document.querySelector("[data-takeaway-prompt]");
    } else {
      var row = active.closest("li");
      prompt = row ? row.querySelector("[data-takeaway-prompt]") : active.closest("[data-takeaway-prompt]");
    }
    if (prompt) { event.preventDefault(); dismissTakeaway(prompt); }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    // A new request from a control clears an old error: the person is trying again.
    var area = alertArea();
    if (area && event.detail.elt && !event.detail.elt.closest("#notification-badge") &&
        event.detail.elt.id !== "notification-badge") {
      area.replaceChildren();
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 500) {
      showAlert("Something went wrong", "The server could not do that (error " + status + "). " +
                "Nothing you see was changed by it; please try again in a moment.");
    }
  });
  // A refusal swapped into the alert area (the server retargets it there) is brought into view and focused,
  // wherever on the page the control that asked was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var area = alertArea();
    var alert = area && event.detail.target === area ? area.querySelector("[role=alert]") : null;
    if (!alert) { return; }
    alert.setAttribute("tabindex", "-1");
    alert.scrollIntoView({block: "center"});
    alert.focus({preventScroll: true});
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert("No connection", "The server could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    showAlert("No answer", "The server took too long to answer. Please try again.");
  });

  // Focus: when a swap replaces the control the person pressed, put focus back on the control in the same
  // place of the new content (the same button of the same article row), or on the new content itself.
  var pending = null;

  function focusables(root) {
    return Array.prototype.slice.call(root.querySelectorAll(
      "button:not([disabled]), a[href], input:not([type=hidden]):not([disabled]), select, textarea"));
  }

  function sameKind(root, element) {
    var name = element.getAttribute("name");
    return focusables(root).filter(function (candidate) {
      return candidate.tagName === element.tagName && candidate.getAttribute("name") === name;
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    pending = null;
    if (!active || active === document.body) { return; }
    var anchor = active.closest("[id]");
    if (!anchor) { return; }
    pending = { id: anchor.id, tag: active.tagName, name: active.getAttribute("name"),
                index: sameKind(anchor, active).indexOf(active) };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) { return; }
    var target = pending;
    pending = null;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) { return; }  // focus survived
    var anchor = document.getElementById(target.id);
    if (!anchor) { return; }
    var matches = focusables(anchor).filter(function (candidate) {
      return candidate.tagName === target.tag && candidate.getAttribute("name") === target.name;
    });
    var control = matches[target.index] || matches[0] || focusables(anchor)[0];
    if (control) { control.focus(); } else { anchor.setAttribute("tabindex", "-1"); anchor.focus(); }
  });
})();
