// /app.js: the dashboard's only script, served as a file so the CSP can forbid inline script. It swaps in
// server-rendered fragments (live findings over SSE, search results) and copies commands; the page works without it.
export const APP_JS = String.raw`(function () {
  "use strict";

  var findings = document.getElementById("findings");
  var count = document.getElementById("findings-count");
  var status = document.getElementById("live-status");

  function fragment(text) {
    var t = document.createElement("template");
    t.innerHTML = text;
    return t.content.firstElementChild;
  }

  function refreshFindings() {
    var src = findings && findings.getAttribute("data-partial");
    var old = document.getElementById("findings-list");
    if (!src || !old) return;
    fetch(src, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (text) {
        var fresh = fragment(text);
        var current = document.getElementById("findings-list");
        if (!fresh || !current) return;
        keepOpenState(current, fresh);
        current.replaceWith(fresh);
        if (count) count.textContent = fresh.getAttribute("data-count") || "0";
        if (status) status.textContent = "updated " + new Date().toLocaleTimeString();
      })
      .catch(function () {
        if (status) status.textContent = "refresh failed; retrying on the next change";
      });
  }

  // What the reader opened or closed stays so when the list is replaced.
  function keepOpenState(from, to) {
    var state = {};
    from.querySelectorAll("article[data-key]").forEach(function (card) {
      card.querySelectorAll("details").forEach(function (d) {
        state[card.getAttribute("data-key") + "\n" + d.className] = d.open;
      });
    });
    to.querySelectorAll("article[data-key]").forEach(function (card) {
      card.querySelectorAll("details").forEach(function (d) {
        var k = card.getAttribute("data-key") + "\n" + d.className;
        if (k in state) d.open = state[k];
      });
    });
  }

  var pending = null;
  function scheduleRefresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      refreshFindings();
    }, 150);
  }

  if (window.EventSource && findings) {
    var events = new EventSource("/api/events");
    ["appeared", "resolved", "scan"].forEach(function (name) {
      events.addEventListener(name, scheduleRefresh);
    });
    events.addEventListener("open", function () {
      document.body.classList.add("live");
      document.body.classList.remove("offline");
      // Whatever changed between serving the page and (re)connecting came with no event: fetch it now.
      scheduleRefresh();
    });
    events.addEventListener("error", function () {
      document.body.classList.remove("live");
      document.body.classList.add("offline");
    });
  }

  function copied(button, ok) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = ok ? "Copied" : "Select and copy";
    setTimeout(function () {
      button.textContent = label;
    }, 1500);
  }

  function copyText(text, button) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          copied(button, true);
        },
        function () {
          copyFallback(text, button);
        }
      );
    } else copyFallback(text, button);
  }

  function copyFallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    copied(button, ok);
  }

  function openPitfall(id) {
    var d = document.getElementById(id);
    if (d && d.tagName === "DETAILS") d.open = true;
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) return;
    var button = target.closest("button.copy");
    if (button) {
      ev.preventDefault();
      copyText(button.getAttribute("data-copy") || "", button);
      return;
    }
    var link = target.closest("[data-open]");
    if (link) openPitfall(link.getAttribute("data-open"));
  });

  var form = document.getElementById("search");
  var input = document.getElementById("search-input");
  var timer = null;
  var asked = 0;
  function search() {
    var q = input.value.trim();
    var mine = ++asked;
    fetch("/partials/search?q=" + encodeURIComponent(q), { headers: { Accept: "text/html" } })
      .then(function (r) {
        return r.ok ? r.text() : Promise.reject(new Error("HTTP " + r.status));
      })
      .then(function (text) {
        var fresh = fragment(text);
        var old = document.getElementById("search-results");
        // Answers can arrive out of order; only the last question's answer is shown.
        if (fresh && old && mine === asked) old.replaceWith(fresh);
      })
      .catch(function () {});
  }
  if (form && input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      search();
    });
  }

  function openHash() {
    if (location.hash.indexOf("#p-") === 0) openPitfall(location.hash.slice(1));
  }
  window.addEventListener("hashchange", openHash);
  openHash();
})();
`;
