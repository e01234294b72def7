// The GOV.UK error summary pattern: when a page shows one, focus moves to it so that a
// screen reader reads it first and a keyboard user starts from it. Its links move focus to
// their field (the browser scrolls there and the field's label stays in view).
(function () {
  "use strict";
  function start() {
    var summary = document.querySelector("[data-module='error-summary']");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) {
        return;
      }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var legend = field.closest("fieldset");
      var anchor = legend || field.closest(".form-group") || field;
      anchor.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
