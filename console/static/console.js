/* The agent console: sign in, the queue ordered by need (refreshed every 5 s), claim and
 * release, and the audit log for supervisors. Everything is rendered as text, never as HTML. */
(function (global) {
  "use strict";
  var csrf = null;
  var user = null;
  var timer = null;
  var openTicket = null;
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

  function renderProfile(p) {
    var box = $("profile-body");
    box.textContent = "";
    function line(text) { var el = document.createElement("p"); el.textContent = text; box.appendChild(el); return el; }
    if (!p.consented) { line(p.note); return; }
    line("Channels: " + p.channels.join(", ") + (p.verified_email ? " · e-mail proved" : ""));
    line(p.past_conversations + " conversation" + (p.past_conversations === 1 ? "" : "s") + " remembered");
    if (p.orders.length) {
      line("Orders:");
      var ul = document.createElement("ul");
      p.orders.forEach(function (o) {
        var li = document.createElement("li");
        li.textContent = o.number + " · " + o.status + " · " + o.placed + " · " + o.total;
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    var interests = Object.keys(p.interests || {});
    if (interests.length) line("Interested in: " + interests.join(", "));
    if (p.mood_history.length) {
      var moodLine = line("Mood over time: ");
      moodLine.appendChild(sparkline(p.mood_history.map(function (m) { return m.mood; })));
    }
  }

  function renderConversation(d) {
    var summary = $("summary");
    summary.textContent = "";
    (d.summary || []).forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = s;
      summary.appendChild(li);
    });
    $("conversation-ticket").textContent = d.ticket + (d.channel ? " · " + d.channel : "");
    $("conversation-state").textContent = d.paused
      ? "You have taken over: the bot is quiet until you hand back."
      : "The bot is still answering. Take over to reply yourself.";
    $("takeover").hidden = d.paused;
    $("reply").hidden = !d.paused;
    $("send-email").hidden = !d.email_known;
    var box = $("transcript");
    var atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.textContent = "";
    d.lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = "line " + line.from;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = (line.from === "agent" ? line.agent : line.from) +
        (line.via === "email" ? " · by e-mail" : "") +
        (line.at ? " · " + new Date(line.at).toLocaleTimeString() : "") +
        (line.mood != null ? " · mood " + line.mood.toFixed(2) : "");
      div.appendChild(meta);
      var photo = /^\[photo (P[0-9A-F]{16})\]$/.exec(line.text);
      if (photo) {
        var img = document.createElement("img");
        img.src = "/api/photos/" + photo[1];
        img.alt = "Photo the customer attached (" + photo[1] + ")";
        img.loading = "lazy";
        img.className = "photo";
        div.appendChild(img);
      } else {
        div.appendChild(document.createTextNode(line.text));
      }
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
        api("POST", "/console/api/queue/" + openTicket + "/suggestions/used", { id: s.id })
          .catch(function () {});  // counting is best effort
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

  function showConversation(d) {
    if (!openTicket || d.ticket !== openTicket) return;
    if (d.closed) { closeConversation(); return; }
    renderConversation(d);
    var said = d.lines.filter(function (l) { return l.from === "customer"; });
    if (d.paused && said.length) loadSuggestions(said[said.length - 1].text + said.length);
  }

  function loadConversation() {
    if (!openTicket) return;
    api("GET", "/console/api/queue/" + openTicket + "/conversation").then(showConversation)
      .catch(function (e) { status(e.message, true); });
  }

  // ---- the live view: server-sent events (the queue, alerts and the open conversation as
  // they change); if the stream cannot be opened, the console falls back to asking every 5 s
  var source = null;
  var fallback = null;
  function listen() {
    if (source) source.close();
    if (!user) return;
    if (!global.EventSource) { startPolling(); return; }
    source = new EventSource("/console/api/events" + (openTicket ? "?ticket=" + openTicket : ""));
    source.addEventListener("queue", function (e) { renderQueue(JSON.parse(e.data).queue); });
    source.addEventListener("alerts", function (e) { renderAlerts(JSON.parse(e.data).alerts); });
    source.addEventListener("conversation", function (e) { showConversation(JSON.parse(e.data)); });
    source.addEventListener("signed_out", function () { source.close(); signedOut(); });
    source.addEventListener("open", function () { clearInterval(fallback); fallback = null; });
    source.addEventListener("error", function () { if (source.readyState === 2) startPolling(); });
  }
  function startPolling() {
    if (fallback) return;
    fallback = setInterval(function () { refresh(); loadConversation(); }, 5000);
  }

  function openConversation(ticket) {
    openTicket = ticket;
    suggestedFor = null;
    $("suggestions").textContent = "";
    $("conversation").hidden = false;
    $("profile-body").textContent = "…";
    api("GET", "/console/api/queue/" + ticket + "/profile").then(renderProfile)
      .catch(function (e) { $("profile-body").textContent = e.message; });
    loadConversation();
    listen();
    $("conversation").scrollIntoView();
  }

  function closeConversation() {
    var wasOpen = openTicket !== null;
    openTicket = null;
    $("conversation").hidden = true;
    if (wasOpen) listen();
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
  $("send-email").addEventListener("click", function () {
    var text = $("reply-text").value;
    if (!text.trim()) return;
    act("email", { text: text }, function (t) {
      $("reply-text").value = "";
      status("E-mailed the customer of " + t + "; the reply is in the conversation too.");
    });
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

  // ---- the supervisors' dashboard: small SVG charts, every point labelled and clickable ----
  var COLOURS = ["#1d5c3a", "#b35c00", "#2b59c3", "#a4001d", "#6b3fa0", "#00796b", "#5d6670", "#c2185b"];
  var dashboardData = null;

  function chart(container, days, series, opts) {
    var NS = "http://www.w3.org/2000/svg";
    var W = 640, H = 200, L = 36, B = 22, T = 8;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", opts.label);
    var lo = opts.min, hi = opts.max;
    function x(i) { return L + i * (W - L - 8) / Math.max(1, days.length - 1); }
    function y(v) { return T + (hi - v) * (H - T - B) / (hi - lo || 1); }
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", 2); t.setAttribute("y", y(v) + 4); t.textContent = String(Math.round(v * 100) / 100);
      svg.appendChild(t);
      var g = document.createElementNS(NS, "line");
      g.setAttribute("x1", L); g.setAttribute("x2", W - 8); g.setAttribute("y1", y(v)); g.setAttribute("y2", y(v));
      g.setAttribute("stroke", "#e3e6e3");
      svg.appendChild(g);
    });
    days.forEach(function (d, i) {
      if (i % Math.ceil(days.length / 7) !== 0) return;
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", x(i) - 14); t.setAttribute("y", H - 6); t.textContent = d.slice(5);
      svg.appendChild(t);
    });
    var legend = document.createElement("div");
    legend.className = "legend";
    series.forEach(function (s, k) {
      var colour = COLOURS[k % COLOURS.length];
      var points = [];
      s.values.forEach(function (v, i) { if (v != null) points.push(x(i).toFixed(1) + "," + y(v).toFixed(1)); });
      var line = document.createElementNS(NS, "polyline");
      line.setAttribute("points", points.join(" "));
      line.setAttribute("fill", "none"); line.setAttribute("stroke", colour); line.setAttribute("stroke-width", "2");
      svg.appendChild(line);
      s.values.forEach(function (v, i) {
        if (v == null) return;
        var c = document.createElementNS(NS, "circle");
        c.setAttribute("cx", x(i)); c.setAttribute("cy", y(v)); c.setAttribute("r", 4);
        c.setAttribute("fill", colour);
        var title = document.createElementNS(NS, "title");
        title.textContent = s.name + ", " + days[i] + ": " + v + (s.counts ? " (" + s.counts[i] + " messages)" : "");
        c.appendChild(title);
        if (opts.onPoint) {
          c.setAttribute("tabindex", "0");
          c.setAttribute("role", "button");
          c.setAttribute("aria-label", title.textContent);
          c.dataset.point = s.name + "|" + days[i];
          var go = function () { opts.onPoint(s.name, days[i]); };
          c.addEventListener("click", go);
          c.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
        }
        svg.appendChild(c);
      });
      var key = document.createElement("span");
      key.style.setProperty("--c", colour);
      key.textContent = s.name;
      legend.appendChild(key);
    });
    var box = $(container);
    box.textContent = "";
    box.appendChild(svg);
    box.appendChild(legend);
  }

  function renderDashboard() {
    var d = dashboardData;
    if (!d) return;
    var most = Math.max.apply(null, d.conversations.concat(d.handoffs, [1]));
    chart("chart-volume", d.days, [{ name: "conversations", values: d.conversations },
                                   { name: "handoffs", values: d.handoffs }],
          { min: 0, max: most, label: "Conversations and handoffs per day" });
    chart("chart-containment", d.days, [{ name: "containment", values: d.containment }],
          { min: 0, max: 1, label: "Share of conversations solved without a person, per day" });
    chart("chart-csat", d.days, [{ name: "CSAT", values: d.csat, counts: d.ratings }],
          { min: 1, max: 5, label: "Average rating per day" });
    var dimension = $("dimension").value;
    var groups = d.sentiment[dimension] || {};
    var series = Object.keys(groups).map(function (name) {
      return { name: name, values: groups[name].map(function (p) { return p.sentiment; }),
               counts: groups[name].map(function (p) { return p.n; }) };
    });
    chart("chart-sentiment", d.days, series, { min: -1, max: 1, label: "Average customer sentiment per day by " + dimension,
      onPoint: function (value, day) {
        api("POST", "/console/api/dashboard/drill", { day: day, dimension: dimension, value: value })
          .then(function (r) {
            var box = $("drill");
            box.hidden = false;
            box.textContent = "";
            var h = document.createElement("h3");
            h.textContent = "Conversations about " + value + " on " + day + " (most negative first)";
            box.appendChild(h);
            var list = document.createElement("ul");
            r.conversations.forEach(function (c) {
              var li = document.createElement("li");
              li.textContent = c.conversation + " — " + c.messages + " messages, sentiment " + c.sentiment.toFixed(2);
              list.appendChild(li);
            });
            box.appendChild(list);
          }).catch(function (e) { status(e.message, true); });
      } });
  }

  function loadDashboard() {
    api("GET", "/console/api/dashboard?days=14").then(function (d) { dashboardData = d; renderDashboard(); })
      .catch(function (e) { if (e.status !== 401) status(e.message, true); });
  }
  $("dimension").addEventListener("change", renderDashboard);

  // ---- knowledge upkeep (supervisors): unanswered questions, grouped; write and publish ----
  var editing = null;  // {id (editing an existing answer) or null, gap_ids}

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function openArticle(group, existing) {
    editing = { id: existing ? existing.id : null, gap_ids: group ? group.gap_ids : [] };
    $("article").hidden = false;
    $("article-title").textContent = existing ? "Improve the answer “" + existing.question + "”" : "New answer";
    $("article-examples").textContent = group ? "Customers asked: " + group.examples.map(function (e) { return "“" + e + "”"; }).join(", ") : "";
    $("article-question").value = existing ? existing.question : (group ? group.question : "");
    $("article-answer").value = existing ? existing.answer : "";
    $("article-category").value = existing ? (existing.category || "") : "";
    (existing ? $("article-answer") : $("article-question")).focus();
  }

  function renderKnowledge(d) {
    $("knowledge-count").textContent = "(" + d.open_questions + " open)";
    var body = $("gaps").querySelector("tbody");
    body.textContent = "";
    d.groups.forEach(function (g) {
      var row = document.createElement("tr");
      var asked = cell(row, g.question);
      var examples = document.createElement("span");
      examples.className = "examples";
      examples.textContent = g.examples.slice(1).map(function (e) { return "“" + e + "”"; }).join(" · ");
      asked.appendChild(examples);
      cell(row, String(g.customers));
      var mood = cell(row, moodWords(g.mood) + (g.upset ? " (" + g.upset + " upset)" : ""));
      if (g.mood <= -0.3) mood.className = "mood upset";
      cell(row, new Date(g.last_asked).toLocaleString());
      cell(row, g.nearest ? g.nearest.question : "—");
      var actions = cell(row, "");
      actions.appendChild(button("Write answer", "Write an answer to: " + g.question, function () { openArticle(g, null); }));
      if (g.nearest) actions.appendChild(button("Improve closest", "Improve the answer " + g.nearest.question, function () { openArticle(g, g.nearest); }));
      actions.appendChild(button("Dismiss", "Dismiss: " + g.question, function () {
        api("POST", "/console/api/knowledge/gaps/dismiss", { gap_ids: g.gap_ids })
          .then(function () { status("Dismissed."); loadKnowledge(); })
          .catch(function (e) { status(e.message, true); });
      }));
      body.appendChild(row);
    });
    var list = $("articles").querySelector("tbody");
    list.textContent = "";
    d.articles.forEach(function (a) {
      var row = document.createElement("tr");
      cell(row, a.question + (a.retired ? " (retired)" : ""));
      cell(row, a.answer);
      cell(row, a.author);
      cell(row, new Date(a.updated_at).toLocaleString());
      var actions = cell(row, "");
      actions.appendChild(button("Edit", "Edit the answer " + a.question, function () { openArticle(null, a); }));
      if (!a.retired) actions.appendChild(button("Retire", "Retire the answer " + a.question, function () {
        api("POST", "/console/api/knowledge/articles/" + encodeURIComponent(a.id) + "/retire")
          .then(function () { status("Retired."); loadKnowledge(); })
          .catch(function (e) { status(e.message, true); });
      }));
      list.appendChild(row);
    });
  }

  function loadKnowledge() {
    api("GET", "/console/api/knowledge").then(renderKnowledge)
      .catch(function (e) { if (e.status !== 401) status(e.message, true); });
  }

  $("article").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { question: $("article-question").value, answer: $("article-answer").value,
                 category: $("article-category").value, gap_ids: editing ? editing.gap_ids : [] };
    if (editing && editing.id) body.id = editing.id;
    api("POST", "/console/api/knowledge/articles", body).then(function (r) {
      status("Published — the bot answers with it from now on (" + r.answered_questions + " waiting question(s) answered).");
      $("article").hidden = true;
      editing = null;
      loadKnowledge();
    }).catch(function (err) { status(err.message, true); });
  });
  $("article-cancel").addEventListener("click", function () { $("article").hidden = true; editing = null; });

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
    $("dashboard").hidden = user.role === "agent";
    $("knowledge").hidden = user.role === "agent";
    if (user.role !== "agent") { loadDashboard(); loadKnowledge(); }
    refresh();
    listen();
    clearInterval(timer);
    if (user.role !== "agent") timer = setInterval(function () {  // the audit log, slowly
      api("GET", "/console/api/audit").then(function (d) { renderAudit(d.audit); }).catch(function () {});
      if ($("article").hidden) loadKnowledge();
    }, 30000);
    api("GET", "/console/api/canned").then(function (d) {
      canned = d.canned || [];
      $("canned-hint").textContent = canned.length ? "Shortcuts: " +
        canned.map(function (c) { return c.shortcut; }).join(" ") + " (then space, Tab or Enter)" : "";
    }).catch(function () {});
  }

  function signedOut() {
    clearInterval(timer);
    clearInterval(fallback);
    fallback = null;
    closeConversation();
    if (source) { source.close(); source = null; }
    csrf = null;
    user = null;
    $("login").hidden = false;
    $("who").hidden = true;
    $("logout").hidden = true;
    $("queue-section").hidden = true;
    $("audit-section").hidden = true;
    $("dashboard").hidden = true;
    $("knowledge").hidden = true;
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
})(window);
