// convosift dashboard: live counters of active runs, polled from the JSON API.
// Values are written with textContent only, so nothing from the server is ever parsed as HTML.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var ACTIVE = ["running", "stopping"];

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) { return h + "h " + m + "m"; }
    if (m) { return m + "m " + r + "s"; }
    return r + "s";
  }

  function setText(root, selector, value) {
    var node = root.querySelector(selector);
    if (node) { node.textContent = String(value); }
  }

  function render(article, run) {
    var counts = run.counts || {};
    article.querySelectorAll("[data-count]").forEach(function (node) {
      var name = node.getAttribute("data-count");
      node.textContent = String(counts[name] || 0);
    });
    setText(article, "[data-field=phase]", run.phase || "");
    setText(article, "[data-field=batches]", (run.checkpoint || {}).batches || 0);
    setText(article, "[data-field=duration]", formatDuration(run.duration_seconds));
    setText(article, "[data-field=eta]", formatDuration(run.eta_seconds));
    var badge = article.querySelector(".badge");
    if (badge) {
      badge.textContent = run.status + (run.stale ? " · stale" : "");
      badge.className = "badge status-" + run.status;
    }
  }

  function poll(article) {
    fetch(article.getAttribute("data-status-url"), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        render(article, run);
        if (ACTIVE.indexOf(run.status) >= 0) {
          window.setTimeout(function () { poll(article); }, POLL_MS);
        } else {
          // The run ended: reload once so history, categories and themes include it.
          window.setTimeout(function () { window.location.reload(); }, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(article); }, POLL_MS * 3); });
  }

  function watchForNewRuns(section) {
    fetch(section.getAttribute("data-active-url"), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.runs && body.runs.length) { window.location.reload(); return; }
        window.setTimeout(function () { watchForNewRuns(section); }, POLL_MS * 2);
      })
      .catch(function () { window.setTimeout(function () { watchForNewRuns(section); }, POLL_MS * 5); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("active-runs");
    if (!section) { return; }
    var runs = section.querySelectorAll("article.run[data-status-url]");
    if (runs.length) { runs.forEach(poll); } else { watchForNewRuns(section); }
  });
})();
