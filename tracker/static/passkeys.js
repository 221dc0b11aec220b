// Passkeys (WebAuthn): the browser's navigator.credentials, which no form can reach. Without this script, or
// in a browser without passkeys, the passkey controls stay hidden (app.css) and the authenticator app works.
(function () {
  "use strict";

  var supported = window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON &&
                  PublicKeyCredential.parseRequestOptionsFromJSON;
  if (!supported) { return; }
  document.documentElement.classList.add("passkeys-ok");

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
  }

  // A POST answered with JSON; a refusal's message (the server's {"error": {"message"}}) becomes the error.
  function post(url, body) {
    return fetch(url, {method: "POST", body: body || new FormData(), credentials: "same-origin",
                       headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) {
            throw new Error((answer.error && answer.error.message) || "The server refused (error " + response.status + ").");
          }
          return answer;
        });
      });
  }

  function showError(place, error) {
    var box = place.querySelector("[data-passkey-error]") || place.parentElement.querySelector("[data-passkey-error]");
    if (!box) { return; }
    var message = error && error.name === "NotAllowedError"
      ? "The passkey was not used: it was cancelled, timed out, or this device has none for this tracker."
      : (error && error.message) || "The passkey did not work.";
    box.textContent = message;
    box.hidden = false;
    box.setAttribute("tabindex", "-1");
    box.scrollIntoView({block: "center"});
    box.focus({preventScroll: true});
  }

  function register(form) {
    var body = new FormData(form);
    return post(form.getAttribute("data-options-url")).then(function (options) {
      return navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)});
    }).then(function (credential) {
      body.set("credential", JSON.stringify(credential.toJSON()));
      return post(form.getAttribute("action"), body);
    });
  }

  function authenticate(button) {
    return post(button.getAttribute("data-options-url")).then(function (options) {
      return navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
    }).then(function (credential) {
      var body = new FormData();
      body.set("credential", JSON.stringify(credential.toJSON()));
      return post(button.getAttribute("data-verify-url"), body);
    });
  }

  function go(answer) { window.location.assign(answer.redirect); }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-passkey-register]");
    if (!form) { return; }
    event.preventDefault();
    var name = form.querySelector("input[name$='name']");
    if (name && !name.value.trim()) { showError(form, new Error("Name the passkey first, e.g. “work laptop”.")); return; }
    register(form).then(go, function (error) { showError(form, error); });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey-sign-in]");
    if (!button) { return; }
    event.preventDefault();
    authenticate(button).then(go, function (error) { showError(button.parentElement, error); });
  });
}());
