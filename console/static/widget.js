/*
 * The Shopdesk chat widget. One script tag puts it on any page of an allowed site:
 *
 *   <script>window.shopdesk = { identity: { userId: "…", email: "…", signature: "…" } };</script>
 *   <script src="https://help.example.com/widget.js" async></script>
 *
 * Everything is optional in window.shopdesk: `identity` (signed by the site's server, see the
 * README), `mode: "inline"` with `container: "#selector"` to fill an element instead of a
 * launcher button, `open: true` to start open, `server` (default: where this script came from).
 * Looks (name, colour, greeting, avatar, corner) come from the company's configuration at
 * <server>/widget-config.json. The widget lives in a shadow root, so the page's CSS and ours
 * never meet; messages are always shown as text, never as HTML.
 *
 * The server serves this file with the socket client and the stylesheet joined in front of it
 * (GET /widget.js): `ShopdeskSocket` and the stylesheet string passed in at the end come from there.
 */
(function (global, css) {
  "use strict";
  if (global.__shopdeskLoaded) return;          // the snippet pasted twice: one widget
  global.__shopdeskLoaded = true;

  var doc = global.document;
  var script = doc.currentScript;
  var options = global.shopdesk || {};
  var server = String(options.server || (script && script.src ? new URL(script.src).origin : global.location.origin)).replace(/\/+$/, "");
  var KEYS = { session: "shopdesk.session", transcript: "shopdesk.transcript", consent: "shopdesk.consent",
               open: "shopdesk.open", unread: "shopdesk.unread" };
  var MAX_SAVED = 200;
  var REPLY_TIMEOUT_MS = 25000;
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  function load(key, fallback) {
    try { var v = global.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(key, value) {
    try { global.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  function newId() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID().replace(/-/g, "");
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else if (attrs[k] === true) node.setAttribute(k, "");
      else if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  // ---- colours: text on the brand colour, and the brand colour as text, both readable -------
  function luminance(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function darken(hex, amount) {
    return "#" + [1, 3, 5].map(function (i) {
      var v = Math.max(0, Math.round(parseInt(hex.substr(i, 2), 16) * (1 - amount)));
      return ("0" + v.toString(16)).slice(-2);
    }).join("");
  }
  function palette(brand) {
    if (!/^#[0-9a-f]{6}$/i.test(brand || "")) brand = "#1d5c3a";
    var onBrand = contrast(brand, "#ffffff") >= contrast(brand, "#111111") ? "#ffffff" : "#111111";
    var ink = brand;
    for (var i = 0; i < 20 && contrast(ink, "#ffffff") < 4.5; i++) ink = darken(ink, 0.1);
    return { brand: brand, onBrand: onBrand, ink: ink };
  }

  // ---- the DOM, inside a shadow root --------------------------------------------------------
  var inline = options.mode === "inline";
  var host = el("div", { id: "shopdesk-widget" });
  var shadow = host.attachShadow({ mode: "open" });
  try {
    var sheet = new global.CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } catch (e) {                                  // older browsers: a stylesheet link instead
    shadow.appendChild(el("link", { rel: "stylesheet", href: server + "/static/widget.css" }));
  }
  var root = el("div", { className: "root " + (inline ? "inline" : "floating right") });
  shadow.appendChild(root);

  var launcher = el("button", { type: "button", className: "launcher", "aria-expanded": "false",
                                "aria-controls": "sd-panel", "aria-label": "Open the chat" });
  var SVG = "http://www.w3.org/2000/svg";
  var icon = doc.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var bubble = doc.createElementNS(SVG, "path");
  bubble.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  icon.appendChild(bubble);
  launcher.appendChild(icon);
  var badge = el("span", { className: "badge", "aria-hidden": "true", hidden: true });
  launcher.appendChild(badge);

  var panel = el("section", { id: "sd-panel", className: "panel", role: inline ? "region" : "dialog",
                              "aria-labelledby": "sd-title", hidden: !inline });
  var header = el("header", { className: "chat-header" });
  var avatar = el("div", { className: "avatar", "aria-hidden": "true" });
  var titleBox = el("div", { className: "title" });
  var title = el("h2", { id: "sd-title" }, "Chat");
  var statusEl = el("span", { id: "status", className: "status", role: "status" }, "connecting…");
  titleBox.appendChild(title);
  titleBox.appendChild(el("span", { className: "visually-hidden" }, " — status: "));
  titleBox.appendChild(statusEl);
  var newChat = el("button", { id: "new-chat", type: "button", className: "header-button" }, "New chat");
  var closeBtn = el("button", { type: "button", className: "header-button close", "aria-label": "Close the chat" }, "×");
  header.appendChild(avatar);
  header.appendChild(titleBox);
  header.appendChild(newChat);
  if (!inline) header.appendChild(closeBtn);

  var privacy = el("aside", { id: "privacy", className: "privacy", "aria-label": "Privacy choice", hidden: true });
  var privacyText = el("p", { id: "privacy-text" });
  var consentYes = el("button", { id: "consent-yes", type: "button" }, "Yes, remember me");
  var consentNo = el("button", { id: "consent-no", type: "button" }, "No, thanks");
  privacy.appendChild(privacyText);
  privacy.appendChild(consentYes);
  privacy.appendChild(doc.createTextNode(" "));
  privacy.appendChild(consentNo);

  var list = el("div", { id: "messages", className: "messages", role: "log", "aria-live": "polite",
                         "aria-label": "Conversation", tabindex: "0" });
  var hint = el("div", { id: "hint", className: "msg greeting" });  // the company's greeting
  var typing = el("p", { id: "typing", className: "typing", role: "status", hidden: true });
  var form = el("form", { id: "composer", className: "composer", autocomplete: "off" });
  var label = el("label", { for: "input", className: "visually-hidden" }, "Your message");
  var input = el("textarea", { id: "input", rows: "1", placeholder: "Type your message…", maxlength: "2000" });
  var sendBtn = el("button", { id: "send", type: "submit" }, "Send");
  // a photo of a damaged item or a wrong label: uploaded to the web app, re-encoded there
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
  var photoInput = el("input", { id: "photo-input", type: "file", accept: PHOTO_TYPES.join(","),
                                 className: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  var photoBtn = el("button", { id: "photo", type: "button", className: "photo-button",
                                "aria-label": "Attach a photo", title: "Attach a photo" });
  var camera = doc.createElementNS(SVG, "svg");
  camera.setAttribute("viewBox", "0 0 24 24");
  camera.setAttribute("aria-hidden", "true");
  camera.setAttribute("focusable", "false");
  var lens = doc.createElementNS(SVG, "path");
  lens.setAttribute("d", "M9 4 7.2 6H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-3.2L15 4H9zm3 4.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z");
  camera.appendChild(lens);
  photoBtn.appendChild(camera);
  form.appendChild(label);
  form.appendChild(photoBtn);
  form.appendChild(photoInput);
  form.appendChild(input);
  form.appendChild(sendBtn);
  [header, privacy, list, typing, form].forEach(function (n) { panel.appendChild(n); });
  if (!inline) root.appendChild(launcher);
  root.appendChild(panel);

  // ---- state ------------------------------------------------------------------------------
  var config = { name: "Chat" };
  var socket = null;
  var replyTimer = null;
  var sessionId = load(KEYS.session, null) || newId();
  save(KEYS.session, sessionId);
  var transcript = load(KEYS.transcript, []);
  if (!Array.isArray(transcript)) transcript = [];
  var unread = inline ? 0 : Number(load(KEYS.unread, 0)) || 0;

  function isOpen() { return inline || !panel.hidden; }
  function scroll() { list.scrollTop = list.scrollHeight; }

  function linkified(parent, text) {
    var last = 0;
    String(text).replace(URL_PATTERN, function (url, at) {
      parent.appendChild(doc.createTextNode(text.slice(last, at)));
      var a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, url);
      parent.appendChild(a);
      last = at + url.length;
      return url;
    });
    parent.appendChild(doc.createTextNode(String(text).slice(last)));
  }

  function render(entry) {
    var item = el("div", { className: "msg " + entry.from });
    if (entry.from === "bot" || entry.from === "user") {
      item.appendChild(el("span", { className: "visually-hidden" }, entry.from === "bot" ? config.name + " said: " : "You said: "));
    }
    var body = el("span");
    if (entry.from === "bot") linkified(body, entry.text); else body.textContent = entry.text;
    item.appendChild(body);
    if (entry.image && /^https?:\/\//.test(entry.image)) {
      item.appendChild(el("img", { src: entry.image, alt: "Image from " + config.name, loading: "lazy" }));
    }
    list.appendChild(item);
    if (entry.buttons && entry.buttons.length) {
      var row = el("div", { className: "buttons", role: "group", "aria-label": "Suggested replies" });
      entry.buttons.forEach(function (b) {
        var btn = el("button", { type: "button" }, b.title);
        btn.addEventListener("click", function () {
          row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          send(b.payload, b.title);
        });
        row.appendChild(btn);
      });
      list.appendChild(row);
    }
    if (transcript.length) hint.hidden = true;
    scroll();
  }

  function record(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_SAVED) transcript = transcript.slice(-MAX_SAVED);
    save(KEYS.transcript, transcript);
    render(entry);
  }

  function setTyping(on) {
    typing.hidden = !on;
    typing.textContent = on ? config.name + " is typing…" : "";
    if (on) scroll();
  }

  function setUnread(n) {
    unread = inline ? 0 : n;
    save(KEYS.unread, unread);
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    launcher.setAttribute("aria-label", "Open the chat with " + config.name +
      (unread ? " (" + unread + " unread message" + (unread === 1 ? "" : "s") + ")" : ""));
  }

  function setOpen(open, focus) {
    if (inline) return;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    try { global.sessionStorage.setItem(KEYS.open, open ? "1" : "0"); } catch (e) { /* ignore */ }
    if (open) {
      setUnread(0);
      scroll();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  function metadata() {
    return options.identity ? { identity: options.identity } : {};
  }

  function send(text, shown) {
    if (!text || !String(text).trim() || !socket) return;
    record({ from: "user", text: shown || text });
    socket.emit("user_uttered", { message: text, session_id: sessionId, metadata: metadata() });
    setTyping(true);
    clearTimeout(replyTimer);
    replyTimer = setTimeout(function () {
      setTyping(false);
      record({ from: "system", text: "No reply yet — the assistant may be busy. Please try again in a moment." });
    }, REPLY_TIMEOUT_MS);
  }

  function sendPhoto(file) {
    var limit = (config.photos && config.photos.maxBytes) || 0;
    if (!socket || !limit) return;
    if (PHOTO_TYPES.indexOf(file.type) < 0) {
      record({ from: "system", text: "That file isn't a photo. Please choose a JPEG, PNG, WebP or GIF picture." });
      return;
    }
    if (file.size > limit) {
      record({ from: "system", text: "That photo is too large (the limit is " + Math.floor(limit / 1000000) + " MB). Please choose a smaller one." });
      return;
    }
    photoBtn.disabled = true;
    statusEl.textContent = "sending your photo…";
    global.fetch(server + "/api/chat/photos", {
      method: "POST", body: file, credentials: "omit",
      headers: { "Content-Type": file.type, "X-Shopdesk-Session": sessionId }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error(body.error || "The photo could not be sent.");
        return body;
      });
    }).then(function (body) {
      record({ from: "user", text: "📷 You attached a photo (" + body.width + " × " + body.height + ")" });
      var meta = metadata();
      meta.photo = body.id;
      socket.emit("user_uttered", { message: "", session_id: sessionId, metadata: meta });
      setTyping(true);
    }).catch(function (e) {
      record({ from: "system", text: String(e && e.message || "The photo could not be sent. Please try again.") });
    }).then(function () {
      photoBtn.disabled = false;
      statusEl.textContent = "online";
    });
  }

  function onBotMessage(msg) {
    clearTimeout(replyTimer);
    setTyping(false);
    if (!msg || typeof msg !== "object") return;
    var buttons = (msg.quick_replies || msg.buttons || []).filter(function (q) {
      return q && typeof q.title === "string";
    }).map(function (q) { return { title: q.title, payload: String(q.payload || q.title) }; });
    var image = msg.attachment && msg.attachment.type === "image" && msg.attachment.payload
      ? String(msg.attachment.payload.src || "") : "";
    if (typeof msg.text === "string" || image) {
      record({ from: "bot", text: typeof msg.text === "string" ? msg.text : "", buttons: buttons, image: image });
      if (!isOpen()) setUnread(unread + 1);
    }
  }

  function showPrivacy() {
    if (!config.consentText || load(KEYS.consent, null) !== null) return;
    privacyText.textContent = config.consentText;
    privacy.hidden = false;
  }
  function choose(yes) {
    save(KEYS.consent, yes);
    privacy.hidden = true;
    send(yes ? "/consent_grant" : "/consent_deny", yes ? "Yes, remember me" : "No, thanks");
    input.focus();
  }

  function applyConfig(c) {
    config = c;
    var look = c.look || {};
    var colours = palette(look.colour);
    host.style.setProperty("--sd-brand", colours.brand);
    host.style.setProperty("--sd-on-brand", colours.onBrand);
    host.style.setProperty("--sd-ink-brand", colours.ink);
    config.name = look.name || "Assistant";
    if (!inline) root.className = "root floating " + (look.position === "left" ? "left" : "right");
    title.textContent = config.name;
    avatar.textContent = "";
    if (look.avatarUrl && /^https?:\/\//.test(look.avatarUrl)) {
      avatar.appendChild(el("img", { src: look.avatarUrl, alt: "", className: "avatar" }));
    } else {
      avatar.textContent = config.name.charAt(0).toUpperCase();
    }
    panel.setAttribute("aria-label", "Chat with " + config.name);
    input.setAttribute("maxlength", String(c.maxMessageChars || 2000));
    photoBtn.hidden = !(c.photos && c.photos.maxBytes);
    hint.textContent = look.greeting || "";
    hint.hidden = !look.greeting || transcript.length > 0;
    if (!hint.parentNode) list.insertBefore(hint, list.firstChild);
    setUnread(unread);
  }

  function connect() {
    showPrivacy();
    socket = new global.ShopdeskSocket(config.socketUrl);
    socket.on("connect", function () {
      statusEl.textContent = "online";
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (confirmed) {
      if (typeof confirmed === "string" && confirmed && confirmed !== sessionId) {
        sessionId = confirmed;
        save(KEYS.session, sessionId);
      }
      statusEl.textContent = "online";
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () { statusEl.textContent = "offline — reconnecting…"; });
    socket.on("reconnecting", function () { statusEl.textContent = "reconnecting…"; });
    socket.on("connect_error", function () {
      statusEl.textContent = "unavailable";
      socket.close();
    });
    socket.connect();
  }

  // ---- events -------------------------------------------------------------------------------
  launcher.addEventListener("click", function () { setOpen(panel.hidden, true); });
  closeBtn.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !inline) { e.stopPropagation(); setOpen(false, true); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    if (text.trim()) send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  newChat.addEventListener("click", function () {
    sessionId = newId();
    save(KEYS.session, sessionId);
    transcript = [];
    save(KEYS.transcript, transcript);
    list.textContent = "";
    list.appendChild(hint);
    hint.hidden = !hint.textContent;
    if (socket) socket.emit("session_request", { session_id: sessionId });
    input.focus();
  });
  photoBtn.addEventListener("click", function () { photoInput.click(); });
  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    photoInput.value = "";
    if (file) sendPhoto(file);
  });
  consentYes.addEventListener("click", function () { choose(true); });
  consentNo.addEventListener("click", function () { choose(false); });

  function mount() {
    var target = inline && options.container ? doc.querySelector(options.container) : null;
    (target || doc.body).appendChild(host);
    transcript.forEach(render);
    var wasOpen = false;
    try { wasOpen = global.sessionStorage.getItem(KEYS.open) === "1"; } catch (e) { /* ignore */ }
    setOpen(Boolean(options.open) || wasOpen, false);
    global.fetch(server + "/widget-config.json", { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (c) { applyConfig(c); connect(); })
      .catch(function () {
        statusEl.textContent = "unavailable";
        render({ from: "system", text: "The chat is not available right now. Please try again later." });
      });
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", mount); else mount();
})(window, __SHOPDESK_CSS__); // the server puts the stylesheet here
