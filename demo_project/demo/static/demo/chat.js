// The chat page: send a message, stream the reply over SSE (EventSource) or djtalu's WebSocket,
// and stop it. SSE tokens arrive as HTML that djkida's stream_tokens already escaped; WebSocket
// tokens are plain text. Stopping an SSE reply closes the stream: the server sees the client go
// and cancels the generation. Over the WebSocket a "cancel" message does the same.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = form.elements.text;
  var sendButton = document.getElementById("send");
  var stopButton = document.getElementById("stop");
  var errorLine = document.getElementById("chat-error");
  var current = null; // the reply being streamed: {item, body, stop}
  var socket = null;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // A fast model sends hundreds of tokens a second: add them once per frame, so the page
  // lays out once per frame instead of once per token (and stays responsive to Stop).
  var unwritten = "";
  var frame = 0;

  function write(reply) {
    cancelAnimationFrame(frame);
    frame = 0;
    reply.body.insertAdjacentHTML("beforeend", unwritten);
    unwritten = "";
    scrollDown();
  }

  function append(reply, html) {
    unwritten += html;
    if (!frame) frame = requestAnimationFrame(function () { write(reply); });
  }

  function escapeHtml(text) {
    var holder = document.createElement("div");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function addMessage(role, text) {
    var item = document.createElement("li");
    item.className = "message " + role;
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    scrollDown();
    return item;
  }

  function begin() {
    errorLine.textContent = "";
    var item = addMessage("assistant", "");
    item.dataset.status = "streaming";
    current = { item: item, body: item.querySelector(".body"), stop: null };
    sendButton.disabled = true;
    stopButton.disabled = false;
    return current;
  }

  // The session's history budget left the oldest turns out of the model's prompt.
  function noteOmitted(reply, count) {
    if (!count) return;
    var note = document.createElement("span");
    note.className = "badge omitted";
    note.textContent = count + " earlier message" + (count === 1 ? " was" : "s were") +
      " left out of the prompt";
    reply.item.appendChild(note);
  }

  function finish(reply, status, problem) {
    if (current !== reply) return;
    current = null;
    write(reply);
    reply.item.dataset.status = status;
    if (status !== "complete") {
      var badge = document.createElement("span");
      badge.className = "badge status-" + status;
      badge.textContent = status;
      reply.item.appendChild(badge);
    }
    if (problem) errorLine.textContent = problem;
    sendButton.disabled = false;
    stopButton.disabled = true;
    input.focus();
  }

  // Make the page the conversation's own page, and list it once.
  function remember(id, title) {
    if (chat.dataset.conversation === String(id)) return;
    chat.dataset.conversation = id;
    history.replaceState(null, "", "/chat/" + id + "/");
    var list = document.getElementById("conversations");
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.setAttribute("aria-current", "true");
    var link = document.createElement("a");
    link.href = "/chat/" + id + "/";
    link.textContent = title;
    item.appendChild(link);
    list.prepend(item);
    chat.querySelector(".chat-head h1").textContent = title;
  }

  function sendOverSSE(text, reply) {
    var data = new FormData(form);
    data.set("text", text);
    data.set("conversation", chat.dataset.conversation || "");
    fetch(chat.dataset.sendUrl, { method: "POST", body: data })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) return finish(reply, "error", answer.body.error);
        remember(answer.body.conversation, answer.body.title);
        var source = new EventSource(answer.body.stream);
        reply.stop = function () { source.close(); finish(reply, "cancelled"); };
        source.addEventListener("token", function (event) {
          if (current === reply) append(reply, event.data);
        });
        source.addEventListener("done", function (event) {
          source.close();
          var outcome = JSON.parse(event.data);
          noteOmitted(reply, outcome.omitted);
          finish(reply, outcome.status, outcome.error);
        });
        // EventSource would reconnect and ask again: a broken reply ends here instead.
        source.onerror = function () { source.close(); finish(reply, "error", "The stream broke off."); };
      })
      .catch(function () { finish(reply, "error", "The server did not answer."); });
  }

  function openSocket() {
    if (socket && socket.readyState <= WebSocket.OPEN) return socket;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + chat.dataset.wsPath);
    socket.addEventListener("message", function (event) {
      var message = JSON.parse(event.data);
      var reply = current;
      if (!reply) return;
      if (message.type === "start") {
        remember(message.conversation, input.dataset.sent || "Conversation " + message.conversation);
        noteOmitted(reply, message.omitted);
      } else if (message.type === "token") {
        append(reply, escapeHtml(message.text));
      } else if (message.type === "done") {
        finish(reply, message.status);
      } else if (message.type === "error") {
        finish(reply, "error", message.message);
      }
    });
    socket.addEventListener("close", function () {
      if (current) finish(current, "error", "The WebSocket closed.");
    });
    return socket;
  }

  function sendOverWebSocket(text, reply) {
    var ws = openSocket();
    var message = { type: "message", content: text };
    if (chat.dataset.conversation) message.conversation = Number(chat.dataset.conversation);
    reply.stop = function () { ws.send(JSON.stringify({ type: "cancel" })); };
    input.dataset.sent = text.slice(0, 80);
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(message));
    } else {
      ws.addEventListener("open", function () { ws.send(JSON.stringify(message)); }, { once: true });
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || current) return;
    addMessage("user", text);
    input.value = "";
    var reply = begin();
    if (form.elements.transport.value === "ws") {
      sendOverWebSocket(text, reply);
    } else {
      sendOverSSE(text, reply);
    }
  });

  // Enter sends, Shift+Enter starts a new line.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  stopButton.addEventListener("click", function () {
    if (current && current.stop) current.stop();
  });

  chat.addEventListener("change", function (event) {
    if (event.target.name === "transport" && event.target.value === "ws") openSocket();
  });
  scrollDown();
})();
