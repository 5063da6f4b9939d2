/*
 * 窓口 — progressive enhancement only, no framework and no build step.
 *
 * Every form works without this file: the server decides again which conditional fields apply, and
 * 「住所を検索」 is a real submit button (name="lookup") that the view answers with a re-rendered form, and so
 * are a repeating group's 追加 and 削除.
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
    // The field's own wrapper starts with its label or legend (a row's field: its own, not the group's).
    (input.closest(".field") || input).scrollIntoView();
    input.focus({ preventScroll: true });
    return true;
  }

  /* Repeating groups --------------------------------------------------------------------------
     追加 copies the group's <template> row (numbered __N__) and 削除 takes a row out and renumbers the
     rows after it, in the page; without this file both are submit buttons the server answers the same
     way. The hidden "<group>-rows" input tells the server how many rows were shown. */

  function rowsOf(group) {
    return Array.prototype.filter.call(group.children, function (child) {
      return child.hasAttribute("data-group-row");
    });
  }

  function renumberRow(group, row, number) {
    var pattern = new RegExp("(^|\\s|field-)" + group.dataset.group + "-\\d+(?=-|\\s|$)", "g");
    var replacement = "$1" + group.dataset.group + "-" + number;
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("[id], [name], [for], [aria-describedby]")))
      .forEach(function (element) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(pattern, replacement));
          }
        });
      });
    var heading = group.dataset.groupHeading.split("__N__").join(String(number));
    row.querySelector(".group__heading").textContent = heading;
    var remove = row.querySelector(".group__remove");
    remove.value = group.dataset.group + "-" + number;
    remove.textContent = group.dataset.groupRemoveLabel.split("__N__").join(String(number));
  }

  function updateGroup(group) {
    var rows = rowsOf(group);
    group.querySelector("[data-group-rows]").value = String(rows.length);
    rows.forEach(function (row) {
      row.querySelector(".group__remove").hidden = rows.length <= Number(group.dataset.groupLeast);
    });
    group.querySelector(".group__add").hidden = rows.length >= Number(group.dataset.groupMax);
  }

  function addRow(button) {
    var group = button.closest("[data-group]");
    var template = group.querySelector("template[data-group-template]");
    var number = rowsOf(group).length + 1;
    button.insertAdjacentHTML("beforebegin", template.innerHTML.split("__N__").join(String(number)));
    var row = button.previousElementSibling;
    updateGroup(group);
    row.focus();
    return true;
  }

  function removeRow(button) {
    var group = button.closest("[data-group]");
    var row = button.closest("[data-group-row]");
    var rows = rowsOf(group);
    var index = rows.indexOf(row);
    row.remove();
    rows.slice(index + 1).forEach(function (later, offset) {
      renumberRow(group, later, index + 1 + offset);
    });
    updateGroup(group);
    (rowsOf(group)[index] || group).focus();
    return true;
  }

  /* Decision panel ----------------------------------------------------------------------------
     The case page's radio list of actions (data-decision) is a GET form whose button renders the chosen
     action's form; here the button goes and choosing a radio shows that action's form in place, the others
     hidden, so one decision is on screen at a time. Focus stays on the radio (arrow keys move through the list);
     the form follows it in the tab order. */

  function showDecision(panel, name) {
    panel.querySelectorAll("[data-decision-step]").forEach(function (step) {
      step.hidden = step.dataset.decisionStep !== name;
    });
  }

  function enhanceDecisions() {
    document.querySelectorAll("[data-decision]").forEach(function (panel) {
      panel.querySelectorAll("[data-decision-next]").forEach(function (button) {
        button.hidden = true;
      });
    });
  }

  function chooseDecision(event) {
    var radio = event.target.closest("[data-decision] input[type='radio'][name='action']");
    if (radio && radio.checked) {
      showDecision(radio.closest("[data-decision]"), radio.value);
    }
  }

  /* Wiring ------------------------------------------------------------------------------------ */

  document.addEventListener("change", updateConditionalFields);
  document.addEventListener("change", chooseDecision);

  document.addEventListener("click", function (event) {
    var lookup = event.target.closest("[data-postal-lookup]");
    if (lookup && lookUpPostalCode(lookup)) {
      event.preventDefault();
      return;
    }
    var add = event.target.closest(".group__add");
    var remove = event.target.closest(".group__remove");
    if ((add && addRow(add)) || (remove && removeRow(remove))) {
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

  /* A 受付票 printed from the page itself; without JavaScript the button stays hidden and the browser's own
     print prints the same. */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  updateConditionalFields();
  enhanceDecisions();
  focusErrorSummary();
})();
