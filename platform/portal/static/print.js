// "Afdrukken" on a patient page: record the print in the audit log first (POST /afdrukken,
// NEN 7513), then open the browser's print dialog. When the record cannot be written the
// dialog does not open and the page says why. Also puts the moment of printing, in the
// hospital's time, into the footer of the printed sheets (Ctrl+P too, which is not recorded).
(function () {
  "use strict";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // "12-03-2026 14:05" in Europe/Amsterdam, whatever zone the PC is set to.
  function hospitalTime(moment) {
    var parts = {};
    new Intl.DateTimeFormat("nl-NL", {
      timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
    return two(+parts.day) + "-" + two(+parts.month) + "-" + parts.year + " " + two(+parts.hour) + ":" + two(+parts.minute);
  }

  window.addEventListener("beforeprint", function () {
    var now = hospitalTime(new Date());
    document.querySelectorAll("[data-print-time]").forEach(function (el) { el.textContent = now; });
  });

  var button = document.querySelector("[data-print-url]");
  if (!button) { return; }
  var status = document.getElementById("print-status");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  // What the page says when the print was not recorded, by the portal's answer.
  var REFUSED = {
    409: "Afdrukken is nu niet mogelijk: u heeft intussen een andere patiënt geselecteerd. " +
         "Open deze patiënt opnieuw om af te drukken.",
    503: "Afdrukken is nu niet mogelijk: het afdrukken kon niet in het logboek worden vastgelegd. " +
         "Probeer het over enkele minuten opnieuw."
  };
  var FALLBACK = "Afdrukken is nu niet mogelijk. Laad de pagina opnieuw en probeer het nog eens.";

  function refuse(code, message) {
    status.textContent = message || REFUSED[code] || FALLBACK;
    status.hidden = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.hidden = true;
    var body = new URLSearchParams();
    body.set("patient_context", button.dataset.patientContext);
    body.set("title", button.dataset.printTitle);
    fetch(button.dataset.printUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: {"X-CSRFToken": csrf}, body: body
    }).then(function (response) {
      // Only 204 means "recorded"; a redirect (no patient selected any more), a refusal or
      // an error page is never taken for a yes.
      if (response.status === 204) {
        window.print();
        return;
      }
      return response.json().then(function (data) {
        refuse(response.status, data && data.message);
      }, function () {
        refuse(response.status);
      });
    }, function () {
      refuse(0);
    }).then(function () {
      button.disabled = false;
    });
  });
}());
