// The person picker suggests as you type (progressive enhancement). Without
// JavaScript the search is a submit of the form, which the server answers
// with the matches; with it, the matches come from the portal's JSON as the
// name is typed: they fill a datalist under the search field and the radio
// buttons to choose from, a single match chosen, and a status says how many
// matched. Nothing here is needed to complete the form.
(function () {
  "use strict";

  function setup(picker) {
    var url = picker.getAttribute("data-person-picker");
    var input = picker.querySelector("input[type=search]");
    var choices = picker.querySelector("[data-picker-choices]");
    var status = picker.querySelector("[data-picker-status]");
    if (!url || !input || !choices || !status || !window.fetch) {
      return;
    }
    var name = picker.getAttribute("data-choice") || "holder";
    var legend = picker.getAttribute("data-legend") || "Person";
    var except = picker.getAttribute("data-except") || "";
    var list = document.createElement("datalist");
    list.id = input.id + "-forslag";
    picker.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");

    var timer = null;
    var asked = "";
    var shown = [];

    function checked() {
      var c = choices.querySelector("input[type=radio]:checked");
      return c ? c.value : "";
    }

    function render(people) {
      shown = people;
      list.textContent = "";
      people.forEach(function (p) {
        var o = document.createElement("option");
        o.value = p.label;
        list.appendChild(o);
      });
      if (people.length === 0) {
        return;
      }
      var keep = checked();
      var fieldset = document.createElement("fieldset");
      var lg = document.createElement("legend");
      lg.textContent = legend;
      fieldset.appendChild(lg);
      var found = false;
      people.forEach(function (p) {
        if (p.id === keep) {
          found = true;
        }
      });
      people.forEach(function (p, i) {
        var div = document.createElement("div");
        div.className = "radio";
        var r = document.createElement("input");
        r.type = "radio";
        r.name = name;
        r.value = p.id;
        r.id = i === 0 ? name : name + "-" + i;
        r.checked = (found && p.id === keep) || (!found && people.length === 1);
        var l = document.createElement("label");
        l.htmlFor = r.id;
        l.textContent = p.label;
        div.appendChild(r);
        div.appendChild(l);
        fieldset.appendChild(div);
      });
      var group = document.createElement("div");
      group.className = "form-group";
      group.appendChild(fieldset);
      choices.textContent = "";
      choices.appendChild(group);
    }

    function pick() {
      // A suggestion picked from the list: its radio button is chosen.
      for (var i = 0; i < shown.length; i++) {
        if (shown[i].label === input.value) {
          var r = choices.querySelector("input[type=radio][value='" + shown[i].id.replace(/[^0-9]/g, "") + "']");
          if (r) {
            r.checked = true;
            status.textContent = shown[i].label + " är vald.";
          }
          return true;
        }
      }
      return false;
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < 2 || q === asked) {
        return;
      }
      asked = q;
      var u = url + "?q=" + encodeURIComponent(q) + (except ? "&utom=" + encodeURIComponent(except) : "");
      fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) {
          return resp.ok ? resp.json() : null;
        })
        .then(function (data) {
          if (!data || input.value.trim() !== q) {
            return;
          }
          render(data.people || []);
          var n = (data.people || []).length;
          if (n === 0) {
            status.textContent = data.message || "Ingen aktiv person matchar sökningen.";
          } else if (n === 1) {
            status.textContent = "En person matchar och är vald: " + data.people[0].label + ".";
          } else {
            status.textContent = n + " personer matchar. Välj en av dem nedan.";
          }
        })
        .catch(function () {
          // The search button still works.
        });
    }

    input.addEventListener("input", function () {
      if (pick()) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 250);
    });
  }

  function init() {
    var pickers = document.querySelectorAll("[data-person-picker]");
    for (var i = 0; i < pickers.length; i++) {
      setup(pickers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
