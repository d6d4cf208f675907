/* The chat widget: talks to Rasa's socket.io channel and keeps the conversation
 * (session id + transcript) in localStorage so a page reload continues it. */
(function () {
  "use strict";
  var SESSION_KEY = "pinecrest.chat.session";
  var TRANSCRIPT_KEY = "pinecrest.chat.transcript";
  var MAX_SAVED = 200;
  var REPLY_TIMEOUT_MS = 25000;

  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var statusEl = document.getElementById("status");
  var hint = document.getElementById("hint");
  var socket = null;
  var typing = null;
  var replyTimer = null;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v ? JSON.parse(v) : fallback; }
    catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  var sessionId = load(SESSION_KEY, null) || newId();
  save(SESSION_KEY, sessionId);
  var transcript = load(TRANSCRIPT_KEY, []);

  function scroll() { list.scrollTop = list.scrollHeight; }

  function render(entry) {
    var li = document.createElement("li");
    li.className = "msg " + entry.from;
    li.textContent = entry.text;          // never innerHTML: messages are untrusted text
    list.appendChild(li);
    if (entry.buttons && entry.buttons.length) {
      var row = document.createElement("li");
      row.className = "buttons";
      entry.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () {
          row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          send(b.payload, b.title);
        });
        row.appendChild(btn);
      });
      list.appendChild(row);
    }
    if (hint) { hint.remove(); hint = null; }
    scroll();
  }

  function record(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_SAVED) transcript = transcript.slice(-MAX_SAVED);
    save(TRANSCRIPT_KEY, transcript);
    render(entry);
  }

  function setTyping(on) {
    if (on && !typing) {
      typing = document.createElement("li");
      typing.className = "typing";
      typing.textContent = "Pine is typing…";
      list.appendChild(typing);
      scroll();
    } else if (!on && typing) {
      typing.remove();
      typing = null;
    }
  }

  function send(text, shown) {
    if (!text || !text.trim()) return;
    record({ from: "user", text: shown || text });
    socket.emit("user_uttered", { message: text, session_id: sessionId });
    setTyping(true);
    clearTimeout(replyTimer);
    replyTimer = setTimeout(function () {
      setTyping(false);
      record({ from: "system", text: "No reply yet — the assistant may be busy. Please try again in a moment." });
    }, REPLY_TIMEOUT_MS);
  }

  function onBotMessage(msg) {
    clearTimeout(replyTimer);
    setTyping(false);
    if (!msg) return;
    var buttons = (msg.quick_replies || []).map(function (q) { return { title: q.title, payload: q.payload }; });
    if (msg.text) record({ from: "bot", text: msg.text, buttons: buttons });
    else if (msg.attachment) record({ from: "bot", text: "[attachment]" });
  }

  // The consent question, shown on the page too (same words the bot asks and the store keeps).
  var CONSENT_KEY = "pine.consent";
  function showPrivacy(config) {
    var box = document.getElementById("privacy");
    if (!config.consentText || load(CONSENT_KEY, null) !== null) return;
    document.getElementById("privacy-text").textContent = config.consentText;
    box.hidden = false;
    function choose(yes) {
      save(CONSENT_KEY, yes);
      box.hidden = true;
      send(yes ? "/consent_grant" : "/consent_deny", yes ? "Yes, remember me" : "No, thanks");
    }
    document.getElementById("consent-yes").addEventListener("click", function () { choose(true); });
    document.getElementById("consent-no").addEventListener("click", function () { choose(false); });
  }

  function connect(config) {
    showPrivacy(config);
    socket = new window.SocketClient(config.socketUrl);
    socket.on("connect", function () {
      statusEl.textContent = "online";
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function () { statusEl.textContent = "online"; });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () { statusEl.textContent = "offline — reconnecting…"; });
    socket.on("reconnecting", function () { statusEl.textContent = "reconnecting…"; });
    socket.connect();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    if (text.trim()) send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("new-chat").addEventListener("click", function () {
    sessionId = newId();
    save(SESSION_KEY, sessionId);
    transcript = [];
    save(TRANSCRIPT_KEY, transcript);
    list.textContent = "";
    socket.emit("session_request", { session_id: sessionId });
  });

  transcript.forEach(render);
  fetch("/widget-config.json")
    .then(function (r) { return r.json(); })
    .then(connect)
    .catch(function () { statusEl.textContent = "unavailable"; });
})();
