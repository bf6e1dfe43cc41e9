// The live page: show the feed's connection state and the broadcast form's outcome.
(function () {
  "use strict";
  var badge = document.getElementById("connection");
  var form = document.getElementById("announce");
  var error = document.getElementById("announce-error");

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
      form.reset();
    } else {
      error.textContent = xhr.status ? xhr.responseText : "The server did not answer.";
    }
  });
})();
