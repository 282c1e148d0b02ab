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

// Proposals page: each form posts its decision to the JSON API (with the API token when the page
// asks for one) and reports the outcome in place. Answers are written with textContent only.
(function () {
  "use strict";
  var DONE = { accept: "Accepted as ", rename: "Renamed: ", merge: "Merged into ", dismiss: "Dismissed" };

  function body(form) {
    var values = {};
    form.querySelectorAll("input[name], select[name]").forEach(function (field) {
      var value = field.value.trim();
      if (value) { values[field.name] = value; }
    });
    return values;
  }

  function headers() {
    var result = { "Content-Type": "application/json", Accept: "application/json" };
    var token = document.getElementById("api-token");
    if (token && token.value) { result.Authorization = "Bearer " + token.value; }
    return result;
  }

  function report(article, text, failed) {
    var node = article.querySelector(".outcome");
    node.textContent = text;
    node.className = failed ? "outcome failed" : "outcome";
    return node;
  }

  function decided(article, form, outcome) {
    var action = form.getAttribute("data-action");
    if (action === "rename") {
      var values = body(form);
      if (values.title) { article.querySelector("[data-field=title]").textContent = values.title; }
      if (values.signature) { article.querySelector("[data-field=signature]").textContent = values.signature; }
      form.reset();
      report(article, DONE.rename + (values.title || values.signature), false);
      return;
    }
    article.classList.add("decided");
    var theme = action === "accept" ? outcome.signature : outcome.target;
    var node = report(article, DONE[action] + (theme || ""), false);
    if (theme) {
      node.appendChild(document.createTextNode(" — " + outcome.matches_changed + " conversations themed. "));
      var link = document.createElement("a");
      link.href = article.getAttribute("data-themes-url") + "/" + encodeURIComponent(theme);
      link.textContent = "Open the theme";
      node.appendChild(link);
      if (action === "accept" || action === "merge") {
        // Only the proposal's own conversations got the theme: earlier ones of the same kind wait
        // for a rematch.
        node.appendChild(document.createTextNode(
          ". Earlier conversations outside the proposal get it with: convosift themes rematch"));
      }
    }
  }

  function submit(event) {
    event.preventDefault();
    var form = event.target;
    var article = form.closest("article.proposal");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.getAttribute("data-url"), { method: "POST", headers: headers(), body: JSON.stringify(body(form)) })
      .then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        button.disabled = false;
        if (result.ok) { decided(article, form, result.answer); return; }
        var answer = result.answer || {};
        report(article, (answer.message || "the decision failed") + (answer.hint ? " (" + answer.hint + ")" : ""), true);
      })
      .catch(function () {
        button.disabled = false;
        report(article, "the server could not be reached", true);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.curate[data-url]").forEach(function (form) {
      form.addEventListener("submit", submit);
    });
  });
})();
