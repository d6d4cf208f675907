/*
 * A small Socket.IO client (protocol v5 over Engine.IO v4), WebSocket transport only.
 * Enough for Rasa's socket.io channel: connect to the default namespace, answer pings,
 * emit and receive JSON events, reconnect with back-off. No third-party code. Exposed as
 * window.ShopdeskSocket (the widget's only other global is window.shopdesk, its options).
 */
(function (global) {
  "use strict";

  function SocketClient(url, options) {
    this.url = url.replace(/\/+$/, "");
    this.path = (options && options.path) || "/socket.io/";
    this.handlers = {};
    this.queue = [];
    this.connected = false;
    this.attempt = 0;
    this.ws = null;
    this.pingTimer = null;
    this.closedByUser = false;
  }

  SocketClient.prototype.on = function (name, fn) {
    (this.handlers[name] = this.handlers[name] || []).push(fn);
    return this;
  };

  SocketClient.prototype._fire = function (name, args) {
    (this.handlers[name] || []).forEach(function (fn) {
      try { fn.apply(null, args || []); } catch (e) { console.error(e); }
    });
  };

  SocketClient.prototype.connect = function () {
    var self = this;
    self.closedByUser = false;
    var wsUrl = self.url.replace(/^http/, "ws") + self.path + "?EIO=4&transport=websocket";
    var ws;
    try { ws = new WebSocket(wsUrl); } catch (e) { self._retry(); return; }
    self.ws = ws;
    ws.onmessage = function (event) { self._packet(String(event.data)); };
    ws.onclose = function () {
      var was = self.connected;
      self.connected = false;
      clearTimeout(self.pingTimer);
      if (was) self._fire("disconnect");
      if (!self.closedByUser) self._retry();
    };
    ws.onerror = function () { /* onclose follows */ };
  };

  SocketClient.prototype._retry = function () {
    var self = this;
    var delay = Math.min(1000 * Math.pow(2, self.attempt), 15000);
    self.attempt += 1;
    self._fire("reconnecting", [delay]);
    setTimeout(function () { self.connect(); }, delay);
  };

  SocketClient.prototype._watchdog = function () {
    var self = this;
    clearTimeout(self.pingTimer);
    self.pingTimer = setTimeout(function () { if (self.ws) self.ws.close(); },
      (self.pingInterval || 25000) + (self.pingTimeout || 20000));
  };

  SocketClient.prototype._packet = function (data) {
    var type = data.charAt(0);
    if (type === "0") {            // Engine.IO open
      var info = JSON.parse(data.slice(1));
      this.pingInterval = info.pingInterval;
      this.pingTimeout = info.pingTimeout;
      this._watchdog();
      this.ws.send("40");          // Socket.IO connect, default namespace
    } else if (type === "2") {     // ping -> pong
      this._watchdog();
      this.ws.send("3");
    } else if (type === "1") {     // server closes
      this.ws.close();
    } else if (type === "4") {     // Socket.IO packet
      var sub = data.charAt(1);
      if (sub === "0") {
        this.connected = true;
        this.attempt = 0;
        this._fire("connect");
        while (this.queue.length && this.connected) this.ws.send(this.queue.shift());
      } else if (sub === "2") {
        var body = data.slice(2).replace(/^\d+/, "");   // drop an ack id if present
        var parsed = JSON.parse(body);
        this._fire(parsed[0], parsed.slice(1));
      } else if (sub === "4") {
        this._fire("connect_error", [data.slice(2)]);
      } else if (sub === "1") {
        this.ws.close();
      }
    }
  };

  SocketClient.prototype.emit = function (name, payload) {
    var packet = "42" + JSON.stringify([name, payload]);
    if (this.connected) this.ws.send(packet); else this.queue.push(packet);
  };

  SocketClient.prototype.close = function () {
    this.closedByUser = true;
    if (this.ws) this.ws.close();
  };

  global.ShopdeskSocket = SocketClient;
})(window);
