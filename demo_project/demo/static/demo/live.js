// The live page: show the feed's connection state and the broadcast form's outcome.
(function () {
  "use strict";
  var badge = document.getElementById("connection");
  var form = document.getElementById("announce");
  var error = document.getElementById("announce-error");
  var notice = document.getElementById("announce-notice");

  // A fresh key per announcement: the server stores a retried post with the same key once.
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    form.elements.key.value = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function show(state, text) {
    badge.dataset.state = state;
    badge.textContent = text;
  }

  document.body.addEventListener("htmx:sseOpen", function () { show("open", "live"); });
  document.body.addEventListener("htmx:sseError", function () { show("error", "reconnecting…"); });

  form.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.successful) {
      error.textContent = "";
      // 202: saved, but the live feed is down; the text says so.
      notice.textContent = xhr.status === 202 ? xhr.responseText : "";
      form.reset();
      newKey();
    } else {
      error.textContent = xhr.status ? xhr.responseText : "The server did not answer.";
    }
  });
})();
