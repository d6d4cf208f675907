/* The agent console: sign in, the queue ordered by need (refreshed every 5 s), claim and
 * release, and the audit log for supervisors. Everything is rendered as text, never as HTML. */
(function () {
  "use strict";
  var csrf = null;
  var user = null;
  var timer = null;
  var openTicket = null;
  var conversationTimer = null;
  var canned = [];
  var suggestedFor = null;
  var $ = function (id) { return document.getElementById(id); };

  function status(text, isError) {
    $("status").textContent = text || "";
    $("status").className = "status" + (isError ? " error" : "");
  }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf || "";
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
                         body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.status === 401 && path !== "/console/api/login") { signedOut(); }
          if (!r.ok) { var e = new Error(data.error || ("HTTP " + r.status)); e.status = r.status; throw e; }
          return data;
        });
      });
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function sparkline(values) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 64 22");
    svg.setAttribute("aria-hidden", "true");
    if (values.length > 1) {
      var points = values.map(function (v, i) {
        return (i * 64 / (values.length - 1)).toFixed(1) + "," + (11 - v * 10).toFixed(1);
      }).join(" ");
      var line = document.createElementNS(NS, "polyline");
      line.setAttribute("points", points);
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", "currentColor");
      line.setAttribute("stroke-width", "2");
      svg.appendChild(line);
    }
    return svg;
  }

  function moodWords(mood) {
    if (mood == null) return "unknown";
    if (mood <= -0.5) return "very upset";
    if (mood <= -0.2) return "upset";
    if (mood < 0.2) return "neutral";
    return "positive";
  }

  function renderQueue(rows) {
    var body = $("queue").querySelector("tbody");
    body.textContent = "";
    $("queue-count").textContent = "(" + rows.length + ")";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.ticket = r.ticket;
      cell(tr, r.priority.toFixed(2), "priority");
      cell(tr, r.ticket);
      cell(tr, r.channel);
      cell(tr, r.topic + (r.reason === "complaint" ? " · complaint" : ""));
      var moodCell = cell(tr, "");
      var mood = document.createElement("div");
      mood.className = "mood" + (r.mood != null && r.mood <= -0.2 ? " upset" : "");
      moodCell.appendChild(mood);
      mood.appendChild(sparkline(r.mood_trend || []));
      var label = document.createElement("span");
      label.textContent = moodWords(r.mood) + (r.mood == null ? "" : " (" + r.mood.toFixed(2) + ")") +
        (r.frustration >= 1.2 ? ", frustrated" : "");
      mood.appendChild(label);
      cell(tr, r.waiting_minutes + " min");
      cell(tr, r.spent);
      cell(tr, r.summary, "summary");
      var agent = cell(tr, r.claimed_by ? r.claimed_by + " " : "");
      var mine = r.claimed_by === user.username;
      if (r.claimed_by && (mine || user.role !== "agent")) {
        var open = document.createElement("button");
        open.type = "button";
        open.textContent = "Open";
        open.setAttribute("aria-label", "Open the conversation of ticket " + r.ticket);
        open.addEventListener("click", function () { openConversation(r.ticket); });
        agent.appendChild(open);
        agent.appendChild(document.createTextNode(" "));
      }
      if (!r.claimed_by || mine || user.role !== "agent") {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = r.claimed_by ? "Release" : "Claim";
        button.setAttribute("aria-label", button.textContent + " ticket " + r.ticket);
        button.addEventListener("click", function () {
          api("POST", "/console/api/queue/" + r.ticket + (r.claimed_by ? "/release" : "/claim"))
            .then(function () { status((r.claimed_by ? "Released " : "Claimed ") + r.ticket + "."); refresh(); })
            .catch(function (e) { status(e.message, true); refresh(); });
        });
        agent.appendChild(button);
      }
      body.appendChild(tr);
    });
  }

  function renderAudit(entries) {
    var body = $("audit").querySelector("tbody");
    body.textContent = "";
    entries.slice(0, 50).forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, new Date(e.at).toLocaleString());
      cell(tr, e.username);
      cell(tr, e.action);
      cell(tr, e.target);
      body.appendChild(tr);
    });
  }

  function renderConversation(d) {
    $("conversation-ticket").textContent = d.ticket + (d.channel ? " · " + d.channel : "");
    $("conversation-state").textContent = d.paused
      ? "You have taken over: the bot is quiet until you hand back."
      : "The bot is still answering. Take over to reply yourself.";
    $("takeover").hidden = d.paused;
    $("reply").hidden = !d.paused;
    var box = $("transcript");
    var atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.textContent = "";
    d.lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = "line " + line.from;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = (line.from === "agent" ? line.agent : line.from) +
        (line.at ? " · " + new Date(line.at).toLocaleTimeString() : "") +
        (line.mood != null ? " · mood " + line.mood.toFixed(2) : "");
      div.appendChild(meta);
      div.appendChild(document.createTextNode(line.text));
      box.appendChild(div);
    });
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function renderSuggestions(d) {
    var box = $("suggestions");
    box.textContent = "";
    (d.suggestions || []).forEach(function (s) {
      var div = document.createElement("div");
      div.className = "suggestion";
      var q = document.createElement("div");
      q.className = "q";
      q.textContent = s.question + (s.remedy ? " · remedy" : "");
      var a = document.createElement("div");
      a.className = "a";
      a.textContent = s.answer;
      var use = document.createElement("button");
      use.type = "button";
      use.textContent = "Use";
      use.setAttribute("aria-label", "Use the suggested reply: " + s.question);
      use.addEventListener("click", function () {
        $("reply-text").value = s.answer;
        $("reply-text").focus();
      });
      div.appendChild(q);
      div.appendChild(a);
      div.appendChild(use);
      box.appendChild(div);
    });
  }

  function loadSuggestions(lastCustomerLine) {
    if (!openTicket || suggestedFor === lastCustomerLine) return;
    suggestedFor = lastCustomerLine;
    api("GET", "/console/api/queue/" + openTicket + "/suggestions").then(renderSuggestions)
      .catch(function () { $("suggestions").textContent = ""; });
  }

  function expandCanned() {
    var box = $("reply-text");
    var match = /(^|\s)(\/[a-z0-9_-]+)$/i.exec(box.value);
    if (!match) return false;
    var found = canned.filter(function (c) { return c.shortcut === match[2]; })[0];
    if (!found) return false;
    box.value = box.value.slice(0, box.value.length - match[2].length) + found.text;
    return true;
  }

  function loadConversation() {
    if (!openTicket) return;
    api("GET", "/console/api/queue/" + openTicket + "/conversation").then(function (d) {
      renderConversation(d);
      var said = d.lines.filter(function (l) { return l.from === "customer"; });
      if (d.paused && said.length) loadSuggestions(said[said.length - 1].text + said.length);
    })
      .catch(function (e) { status(e.message, true); });
  }

  function openConversation(ticket) {
    openTicket = ticket;
    suggestedFor = null;
    $("suggestions").textContent = "";
    $("conversation").hidden = false;
    loadConversation();
    clearInterval(conversationTimer);
    conversationTimer = setInterval(loadConversation, 3000);
    $("conversation").scrollIntoView();
  }

  function closeConversation() {
    openTicket = null;
    clearInterval(conversationTimer);
    $("conversation").hidden = true;
  }

  function act(path, body, done) {
    var ticket = openTicket;
    return api("POST", "/console/api/queue/" + ticket + "/" + path, body)
      .then(function () { if (done) done(ticket); loadConversation(); refresh(); })
      .catch(function (e) { status(e.message, true); });
  }

  $("takeover").addEventListener("click", function () {
    act("takeover", undefined, function (t) { status("You are talking to the customer of " + t + "."); $("reply-text").focus(); });
  });
  $("handback").addEventListener("click", function () {
    act("handback", undefined, function (t) { status("Handed " + t + " back to the bot."); closeConversation(); });
  });
  $("close-conversation").addEventListener("click", closeConversation);
  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply-text").value;
    if (!text.trim()) return;
    act("message", { text: text }, function () { $("reply-text").value = ""; });
  });
  $("reply-text").addEventListener("keydown", function (e) {
    if ((e.key === " " || e.key === "Tab") && expandCanned()) { e.preventDefault(); return; }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      if (!expandCanned()) $("reply").requestSubmit();
    }
  });

  function renderAlerts(list) {
    var box = $("alerts");
    box.textContent = "";
    var shown = list.filter(function (a) { return !a.closed_at; }).concat(
      list.filter(function (a) { return a.closed_at; }).slice(0, 2));
    box.hidden = shown.length === 0;
    shown.forEach(function (a) {
      var div = document.createElement("div");
      div.className = "alert" + (a.closed_at ? " closed" : "");
      div.textContent = (a.closed_at ? "Resolved: " : "Alert: ") + a.message +
        " (since " + new Date(a.opened_at).toLocaleTimeString() + ")";
      box.appendChild(div);
    });
  }

  function refresh() {
    api("GET", "/console/api/alerts").then(function (d) { renderAlerts(d.alerts); }).catch(function () {});
    api("GET", "/console/api/queue").then(function (d) { renderQueue(d.queue); })
      .catch(function (e) { if (e.status !== 401) status(e.message, true); });
    if (user && user.role !== "agent") {
      api("GET", "/console/api/audit").then(function (d) { renderAudit(d.audit); }).catch(function () {});
    }
  }

  function signedIn(data) {
    csrf = data.csrf;
    user = data.user;
    $("login").hidden = true;
    $("who").hidden = false;
    $("who").textContent = user.name + " (" + user.role + ")";
    $("logout").hidden = false;
    $("queue-section").hidden = false;
    $("audit-section").hidden = user.role === "agent";
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, 5000);
    api("GET", "/console/api/canned").then(function (d) {
      canned = d.canned || [];
      $("canned-hint").textContent = canned.length ? "Shortcuts: " +
        canned.map(function (c) { return c.shortcut; }).join(" ") + " (then space, Tab or Enter)" : "";
    }).catch(function () {});
  }

  function signedOut() {
    clearInterval(timer);
    closeConversation();
    csrf = null;
    user = null;
    $("login").hidden = false;
    $("who").hidden = true;
    $("logout").hidden = true;
    $("queue-section").hidden = true;
    $("audit-section").hidden = true;
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    status("Signing in…");
    api("POST", "/console/api/login", { username: $("username").value, password: $("password").value })
      .then(function (d) { $("password").value = ""; status(""); signedIn(d); })
      .catch(function (err) { status(err.message, true); $("password").focus(); });
  });
  $("logout").addEventListener("click", function () {
    api("POST", "/console/api/logout").catch(function () {}).then(function () { signedOut(); status("Signed out."); });
  });

  api("GET", "/console/api/me").then(signedIn).catch(function () { signedOut(); });
})();
