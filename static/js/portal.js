/*
 * 窓口 — progressive enhancement only, no framework and no build step.
 *
 * Every form works without this file: the server decides again which conditional fields apply, and
 * 「住所を検索」 is a real submit button (name="lookup") that the view answers with a re-rendered form.
 * Wording shown here comes from data-msg-* attributes rendered through Babel, so it is translated.
 */
(function () {
  "use strict";

  /* Conditional fields ------------------------------------------------------------------------
     A wrapper with data-show-if-field="purpose" data-show-if-values='["other"]' is shown while the
     field named "purpose" has one of those values. A controlling field that is itself hidden counts
     as unanswered, so chains of conditions collapse together. */

  function currentValues(scope, name) {
    var values = [];
    scope.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (element) {
      if (element.closest("[hidden]")) {
        return;
      }
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) {
        return;
      }
      values.push(element.value);
    });
    return values;
  }

  function updateConditionalFields() {
    // Document order, so that a field controlled by another conditional field sees its final state.
    document.querySelectorAll("[data-show-if-field]").forEach(function (wrapper) {
      var expected = JSON.parse(wrapper.dataset.showIfValues || "[]");
      var scope = wrapper.closest("form") || document;
      var shown = currentValues(scope, wrapper.dataset.showIfField).some(function (value) {
        return expected.indexOf(value) !== -1;
      });
      wrapper.hidden = !shown;
    });
  }

  /* Postal-code lookup ------------------------------------------------------------------------
     Intercepts the 「住所を検索」 button only when the address input is on this page; otherwise, or
     when the API cannot be reached, the button submits the form as it would without JavaScript. */

  function normalisePostalCode(text) {
    return text
      .replace(/[０-９]/g, function (digit) {
        return String.fromCharCode(digit.charCodeAt(0) - 0xfee0);
      })
      .replace(/[\s\-‐－ー−〒]/g, "");
  }

  function announce(region, message) {
    // Clearing first makes screen readers repeat a message identical to the previous one.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 100);
  }

  function submitWithoutScript(button) {
    if (button.form && typeof button.form.requestSubmit === "function") {
      button.form.requestSubmit(button);
    }
  }

  function lookUpPostalCode(button) {
    var input = document.getElementById(button.dataset.postalInput);
    var address = document.getElementById(button.dataset.postalFills);
    var status = document.getElementById(button.dataset.postalStatus);
    if (!input || !address || !status) {
      return false;
    }
    var digits = normalisePostalCode(input.value);
    if (!/^[0-9]{7}$/.test(digits)) {
      announce(status, button.dataset.msgInvalid);
      input.focus();
      return true;
    }
    fetch("/api/postal/" + digits, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) {
          return { found: false };
        }
        if (!response.ok) {
          throw new Error("postal lookup failed: " + response.status);
        }
        return response.json();
      })
      .then(function (result) {
        if (!result.found) {
          announce(status, button.dataset.msgNotFound);
          return;
        }
        address.value = result.formatted;
        announce(status, button.dataset.msgFound);
        address.focus();
        address.setSelectionRange(address.value.length, address.value.length);
      })
      .catch(function () {
        submitWithoutScript(button);
      });
    return true;
  }

  /* Error summary -----------------------------------------------------------------------------
     The summary carries autofocus; focus it here too for browsers that ignore autofocus on a div.
     Its links move focus to the field and scroll its label or legend into view with it, so the
     question is visible next to the input. */

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  function followErrorLink(link) {
    var input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!input) {
      return false;
    }
    var group = input.closest(".field__fieldset");
    var caption = group
      ? group.querySelector("legend")
      : document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    (caption || input).scrollIntoView();
    input.focus({ preventScroll: true });
    return true;
  }

  /* Wiring ------------------------------------------------------------------------------------ */

  document.addEventListener("change", updateConditionalFields);

  document.addEventListener("click", function (event) {
    var lookup = event.target.closest("[data-postal-lookup]");
    if (lookup && lookUpPostalCode(lookup)) {
      event.preventDefault();
      return;
    }
    var errorLink = event.target.closest("[data-error-summary] a[href^='#']");
    if (errorLink && followErrorLink(errorLink)) {
      event.preventDefault();
    }
  });

  /* Irreversible decisions (却下, 取下げ …) ask once more; without JavaScript the warning beside the
     button says the same. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  updateConditionalFields();
  focusErrorSummary();
})();
