// File fields state their limit (data-max-bytes, and data-max-text as the
// page says it, "20 MB"). With JavaScript a chosen file over the limit is
// caught before it is sent: the field gets the error the server would give,
// in the same place, and the form is not sent until a smaller file is
// chosen. The server checks again; nothing here is needed to use the form.
(function () {
  "use strict";

  function describe(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (s) {
      return s !== "" && s !== id;
    });
    if (on) {
      ids.push(id);
    }
    if (ids.length > 0) {
      input.setAttribute("aria-describedby", ids.join(" "));
    } else {
      input.removeAttribute("aria-describedby");
    }
  }

  // check marks the field and reports whether its file may be sent.
  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var id = input.id + "-storlek";
    var msg = document.getElementById(id);
    var group = input.closest(".form-group");
    var file = input.files && input.files[0];
    var tooBig = !!file && max > 0 && file.size > max;
    if (!tooBig) {
      if (msg) {
        msg.parentNode.removeChild(msg);
        describe(input, id, false);
        if (input.getAttribute("data-size-invalid") === "ja") {
          input.removeAttribute("aria-invalid");
          input.removeAttribute("data-size-invalid");
          if (group) {
            group.classList.remove("has-error");
          }
        }
      }
      return true;
    }
    if (!msg) {
      msg = document.createElement("span");
      msg.className = "error-message";
      msg.id = id;
      input.parentNode.insertBefore(msg, input);
    }
    msg.textContent = "";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = "Fel:";
    msg.appendChild(hidden);
    msg.appendChild(document.createTextNode(" Filen är större än " + (input.getAttribute("data-max-text") || "gränsen") +
      ". Välj en mindre fil."));
    describe(input, id, true);
    if (input.getAttribute("aria-invalid") !== "true") {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("data-size-invalid", "ja");
    }
    if (group) {
      group.classList.add("has-error");
    }
    return false;
  }

  function setup(input) {
    input.addEventListener("change", function () {
      check(input);
    });
    if (input.form) {
      input.form.addEventListener("submit", function (e) {
        if (!check(input)) {
          e.preventDefault();
          input.focus();
        }
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-max-bytes]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
