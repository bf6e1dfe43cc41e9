// djkida suspense for htmx 2 and htmx 4: show a streamed suspense response as it arrives.
//
// htmx swaps a response only once it is complete, and resolves out-of-band elements against the
// page *before* swapping the main content, so the sections of a suspense response would be
// looked up in the old page and then overwritten by the shell's skeletons. For responses marked
// "Djkida-Suspense: oob" (htmx requests that are not boosts or history restores, which get the
// full-page form) this script swaps instead: the shell (hx-select and the
// innerHTML/outerHTML swap style are honoured) as soon as it arrives, then each out-of-band
// element over the element with its id the moment it is complete. Load it after htmx.
//
// Responses in the full-page form ("Djkida-Suspense: page": boosts, history restores) arrive
// complete; htmx would run their inline swap scripts under the page's Content-Security-Policy
// with the nonce of the response, which that policy does not know (blocked when enforced). So
// each section is put in place in the response itself first: htmx swaps the finished page and no
// inline script has to run (no htmx.config.inlineScriptNonce, which every script would get).
(function () {
  "use strict";
  var HEADER = "Djkida-Suspense";
  var TEMPLATE_PREFIX = "djkida-suspense-";

  // One streamed response into `target`; `swap` is an hx-swap value, `select` an hx-select.
  function Stream(target, select, swap) {
    this.target = target;
    this.select = select;
    this.outer = swap.split(" ")[0].indexOf("outer") === 0;
    this.shell = null; // nodes the shell put in the page
    this.shellFinal = false; // the shell is complete once a section follows it (or at the end)
    this.filled = 0; // out-of-band elements already swapped in
  }

  // Bring the page up to date with the response text received so far.
  Stream.prototype.update = function (text, complete) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    var sections = Array.prototype.slice.call(doc.querySelectorAll("[hx-swap-oob]"));
    sections.forEach(function (section) { section.remove(); });
    if (!this.shellFinal) {
      this.shellFinal = complete || sections.length > 0;
      this.showShell(doc);
    }
    var last = sections[sections.length - 1];
    var tail = last && "</" + last.tagName.toLowerCase() + ">";
    var lastComplete = complete || (last && text.trimEnd().endsWith(tail));
    var ready = lastComplete ? sections.length : sections.length - 1;
    for (; this.filled < ready; this.filled++) this.fill(sections[this.filled]);
  };

  Stream.prototype.showShell = function (doc) {
    var picked = this.select ? doc.querySelectorAll(this.select) : doc.body.childNodes;
    var nodes = Array.prototype.map.call(picked, function (node) {
      return document.importNode(node, true);
    });
    if (nodes.length === 0) nodes = [document.createTextNode("")]; // keeps our place
    if (this.shell) {
      this.shell[0].before.apply(this.shell[0], nodes);
      this.shell.forEach(function (node) { node.remove(); });
    } else if (this.outer) {
      this.target.replaceWith.apply(this.target, nodes);
    } else {
      this.target.replaceChildren.apply(this.target, nodes);
    }
    this.shell = nodes;
    if (doc.title) document.title = doc.title;
    // A growing shell is shown but only made live once, so hx-trigger="load" fires once.
    if (!this.shellFinal) return;
    nodes.forEach(function (node) { if (node.nodeType === 1) htmx.process(node); });
  };

  Stream.prototype.fill = function (section) {
    section.removeAttribute("hx-swap-oob");
    var old = document.getElementById(section.id);
    if (!old) {
      console.error('djkida suspense: no element with id "' + section.id + '" to replace');
      return;
    }
    var fresh = document.importNode(section, true);
    old.replaceWith(fresh);
    htmx.process(fresh);
  };

  // A full-page form response with every section swapped in and its swap scripts left out.
  function finishedPage(text) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    var templates = doc.querySelectorAll('template[id^="' + TEMPLATE_PREFIX + '"]');
    if (templates.length === 0) return text;
    Array.prototype.forEach.call(templates, function (template) {
      var id = template.id.slice(TEMPLATE_PREFIX.length);
      var old = doc.getElementById(id);
      if (old) old.replaceWith(template.content);
      else console.error('djkida suspense: no element with id "' + id + '" to replace');
      var script = template.nextElementSibling;
      if (script && script.tagName === "SCRIPT") script.remove();
      template.remove();
    });
    var doctype = doc.doctype ? "<!doctype " + doc.doctype.name + ">" : "";
    return doctype + doc.documentElement.outerHTML;
  }

  // --- htmx 2 (XMLHttpRequest): follow the download, then cancel htmx's own swap. ------------

  function closestAttribute(elt, name) {
    var owner = elt.closest("[" + name + "],[data-" + name + "]");
    return owner && (owner.getAttribute(name) || owner.getAttribute("data-" + name));
  }

  function isSuspense(xhr) {
    return xhr.readyState >= 2 && xhr.getResponseHeader(HEADER) === "oob";
  }

  document.addEventListener("htmx:beforeSend", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    var swap = closestAttribute(detail.elt, "hx-swap") || htmx.config.defaultSwapStyle;
    var stream = new Stream(detail.target, closestAttribute(detail.elt, "hx-select"), swap);
    xhr.addEventListener("progress", function () {
      if (isSuspense(xhr)) stream.update(xhr.responseText, false);
    });
    // htmx fires beforeSwap on the original target, which the shell may have replaced already
    // (so the event would not bubble to the document): listen on the target itself.
    detail.target.addEventListener("htmx:beforeSwap", function finish(swapEvent) {
      if (swapEvent.detail.xhr !== xhr) return;
      detail.target.removeEventListener("htmx:beforeSwap", finish);
      if (!isSuspense(xhr)) return;
      stream.update(xhr.responseText, true);
      swapEvent.detail.shouldSwap = false;
    });
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.getResponseHeader(HEADER) === "page") {
      detail.serverResponse = finishedPage(detail.serverResponse);
    }
  });

  document.addEventListener("htmx:historyCacheMissLoad", function (event) {
    var detail = event.detail;
    if (detail.xhr.getResponseHeader(HEADER) === "page") {
      detail.response = finishedPage(detail.response);
    }
  });

  // --- htmx 4 (fetch): take the response body over before htmx reads it. ---------------------

  document.addEventListener("htmx:before:response", function (event) {
    var ctx = event.detail.ctx;
    var response = ctx.response.raw;
    if (response.headers.get(HEADER) !== "oob" || !response.body || !ctx.target) return;
    event.preventDefault(); // htmx leaves this response to us
    var stream = new Stream(ctx.target, ctx.select, ctx.swap || htmx.config.defaultSwap);
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var text = "";
    (function next() {
      reader.read().then(function (part) {
        if (part.done) {
          stream.update(text + decoder.decode(), true);
          return;
        }
        text += decoder.decode(part.value, { stream: true });
        stream.update(text, false);
        next();
      }).catch(function (error) {
        console.error("djkida suspense: the response stream failed", error);
      });
    })();
  });

  // Boosts and history restores both come here, the whole text read.
  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail.ctx;
    if (ctx.response.headers.get(HEADER) === "page") ctx.text = finishedPage(ctx.text);
  });
})();
