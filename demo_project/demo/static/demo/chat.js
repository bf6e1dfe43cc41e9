// The chat page: send a message, stream the reply over SSE (EventSource) or djtalu's WebSocket,
// and stop it. SSE tokens arrive as HTML that djkida's stream_tokens already escaped; WebSocket
// tokens are plain text. The transport chosen is remembered (localStorage), and the counter under
// the box says when a message is longer than the server accepts (nothing is cut silently). Stopping an SSE reply closes the stream: the server sees the client go
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
  var counter = document.getElementById("counter");
  var maxLength = Number(input.dataset.maxLength);
  var TRANSPORT_KEY = "demo.chat.transport";
  // The server writes list times in UTC with strftime("%b %d, %H:%M"): the same, for a new entry.
  var listTime = new Intl.DateTimeFormat("en-US", {
    month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC"
  });
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

  function addBadge(item, className, text) {
    var badge = document.createElement("span");
    badge.className = "badge " + className;
    badge.textContent = text;
    item.appendChild(badge);
  }

  // The session's history budget left the oldest turns out of the model's prompt.
  function noteOmitted(reply, count) {
    if (!count) return;
    addBadge(reply.item, "omitted", count + " earlier message" + (count === 1 ? " was" : "s were") +
      " left out of the prompt");
  }

  // The reply's length and decode speed (tokens after the first over the time after the first,
  // the prompt's prefill left out): the same figure the admin's tokens/s column sums.
  function finish(reply, status, problem, tokens, rate) {
    if (current !== reply) return;
    current = null;
    write(reply);
    reply.item.dataset.status = status;
    if (status !== "complete") addBadge(reply.item, "status-" + status, status);
    if (tokens) {
      var speed = rate ? " · " + rate.toFixed(1) + " tokens/s" : "";
      addBadge(reply.item, "reply-speed", tokens + " tokens" + speed);
    }
    if (problem) errorLine.textContent = problem;
    stopButton.disabled = true;
    countCharacters();
    input.focus();
  }

  // Characters as the server counts them (code points: an emoji is one, not two).
  function characters(text) { return Array.from(text).length; }

  // Send stays off while a reply streams or the message is too long; the counter says why.
  function countCharacters() {
    var length = characters(input.value.trim());
    var over = length > maxLength;
    counter.textContent = over
      ? length + " / " + maxLength + " characters: " + (length - maxLength) + " too many, shorten it to send"
      : length + " / " + maxLength + " characters";
    counter.classList.toggle("over", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
    sendButton.disabled = Boolean(current) || over || input.disabled;
  }

  // Make the page the conversation's own page, and list it once.
  function remember(id, title, created) {
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
    var time = document.createElement("time");
    time.textContent = created || listTime.format(new Date());
    item.appendChild(time);
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
        remember(answer.body.conversation, answer.body.title, answer.body.created);
        var source = new EventSource(answer.body.stream);
        reply.stop = function () { source.close(); finish(reply, "cancelled"); };
        source.addEventListener("token", function (event) {
          if (current === reply) append(reply, event.data);
        });
        source.addEventListener("done", function (event) {
          source.close();
          var outcome = JSON.parse(event.data);
          noteOmitted(reply, outcome.omitted);
          finish(reply, outcome.status, outcome.error, outcome.tokens, outcome.tokens_per_second);
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
        finish(reply, message.status, null, message.completion_tokens, message.tokens_per_second);
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
    if (!text || current || characters(text) > maxLength) return;
    addMessage("user", text);
    input.value = "";
    countCharacters();
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

  input.addEventListener("input", countCharacters);

  chat.addEventListener("change", function (event) {
    if (event.target.name !== "transport") return;
    try { localStorage.setItem(TRANSPORT_KEY, event.target.value); } catch (error) { /* private mode */ }
    if (event.target.value === "ws") openSocket();
  });

  var saved = null;
  try { saved = localStorage.getItem(TRANSPORT_KEY); } catch (error) { /* private mode */ }
  var choice = form.elements.transport;
  if (saved === "sse" || saved === "ws") choice.value = saved;
  if (choice.value === "ws") openSocket();
  countCharacters();
  scrollDown();
})();
