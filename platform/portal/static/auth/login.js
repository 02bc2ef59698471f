// "Inloggen met UZI-pas": fetch a challenge (bound to this browser session), show its
// confirmation code, let the local helper (portal-uzi-login serve) sign it with the card
// once the GP typed the PIN in the helper's window, send the answer back.
(function () {
  "use strict";
  var button = document.getElementById("uzi-login");
  if (!button) { return; }
  var status = document.getElementById("uzi-login-status");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function show(text) { status.textContent = text; }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    show("Bezig met inloggen…");
    post(button.dataset.challengeUrl).then(function (issued) {
      if (!issued.ok) { throw new Error(issued.data.message); }
      show("Vul uw pincode in in het venster van het UZI-pas-programma (portal-uzi-login). " +
           "Controleer dat daar dezelfde controlecode staat: " + issued.data.code + ".");
      return fetch("http://127.0.0.1:" + button.dataset.helperPort + "/sign", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({tenant: button.dataset.tenant, challenge: issued.data.challenge})
      }).catch(function () {
        throw new Error("Het programma voor de UZI-pas (portal-uzi-login) reageert niet op deze PC.");
      }).then(function (response) {
        return response.json().then(function (signed) {
          if (!response.ok) { throw new Error(signed.message || "De UZI-pas kon niet ondertekenen."); }
          show("Bezig met inloggen…");
          signed.challenge = issued.data.challenge;
          return post(button.dataset.responseUrl, signed);
        });
      });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.data.message); }
      window.location.assign(answer.data.next);
    }).catch(function (error) {
      show(error.message);
      button.disabled = false;
    });
  });
}());
