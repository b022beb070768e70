/* The round page's outbox: everything the phone must tell the server (the round's start,
 * batches of positions, findings with their photos, ticks, the end) waits in IndexedDB
 * and is sent in the order it was queued, one at a time, until the server has answered
 * it. Every item carries an id the phone made (crypto.randomUUID; positions their seq),
 * so an item sent again after a lost answer is stored once (docs/inspections.md).
 *
 * The head of the queue blocks the rest: offline, on a network error, a 5xx or a 429 it
 * is retried with a growing pause (1 s doubling to 60 s), at once when the browser says
 * it is online again; on 401/403 (the session ended) it waits the same way. Any other
 * refusal (400, 404, 409 round_closed, 413) would never pass: the item moves to the
 * "failed" store, kept and counted, so the queue goes on.
 *
 *   var box = JxOutbox.open({api: "/api/v1/inspections/", user: "7", csrf: fn, onchange: fn})
 *   box.ready.then(...); box.put(item); box.addPoint(p); box.batch(round); box.drain();
 *   box.meta(key) / box.setMeta(key, value)
 */
(function () {
  "use strict";

  var DB_NAME = "jingxi-rounds";
  var DB_VERSION = 1;
  var MAX_POINTS = 2000; // per request (the API's limit)
  var MIN_PAUSE = 1000;
  var MAX_PAUSE = 60000;

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  function openDb() {
    var r = indexedDB.open(DB_NAME, DB_VERSION);
    r.onupgradeneeded = function () {
      var db = r.result;
      db.createObjectStore("outbox", { keyPath: "n", autoIncrement: true });
      db.createObjectStore("points", { keyPath: "k", autoIncrement: true }).createIndex("round", "round");
      db.createObjectStore("failed", { keyPath: "n", autoIncrement: true });
      db.createObjectStore("meta", { keyPath: "key" });
    };
    return req(r);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); // plain HTTP: no randomUUID
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open(cfg) {
    var db = null;
    var draining = false;
    var again = false;
    var pause = 0;
    var timer = null;
    var state = "synced";
    var ready = openDb().then(function (d) { db = d; });

    function store(name, mode) {
      var tx = db.transaction(name, mode || "readonly");
      return { tx: tx, s: tx.objectStore(name) };
    }

    function counts() {
      var tx = db.transaction(["outbox", "points", "failed"]);
      return Promise.all([
        req(tx.objectStore("outbox").count()),
        req(tx.objectStore("points").count()),
        req(tx.objectStore("failed").count()),
      ]).then(function (c) { return { queued: c[0] + c[1], items: c[0], points: c[1], failed: c[2] }; });
    }

    function changed(newState) {
      if (newState) state = newState;
      return counts().then(function (c) {
        if (c.queued === 0 && state !== "auth") state = "synced";
        else if (!navigator.onLine) state = "offline";
        c.state = state;
        if (cfg.onchange) cfg.onchange(c);
        return c;
      });
    }

    function put(item) {
      item.user = cfg.user;
      if (!item.id) item.id = uuid();
      var t = store("outbox", "readwrite");
      t.s.add(item);
      return done(t.tx).then(function () { return changed(); });
    }

    function addPoint(p) {
      var t = store("points", "readwrite");
      t.s.add(p);
      return done(t.tx).then(function () { return changed(); });
    }

    function pendingPoints(round) {
      var t = store("points");
      return req(t.s.index("round").count(round));
    }

    /* The round's waiting positions become outbox items, in one transaction. */
    function batch(round) {
      var tx = db.transaction(["points", "outbox"], "readwrite");
      var points = tx.objectStore("points");
      var outbox = tx.objectStore("outbox");
      req(points.index("round").getAll(round)).then(function (rows) {
        if (!rows.length) return;
        rows.sort(function (a, b) { return a.seq - b.seq; });
        for (var i = 0; i < rows.length; i += MAX_POINTS) {
          var chunk = rows.slice(i, i + MAX_POINTS).map(function (p) {
            return { seq: p.seq, t: p.t, lng: p.lng, lat: p.lat, accuracy: p.accuracy };
          });
          outbox.add({ kind: "points", id: uuid(), user: cfg.user, round: round, body: { points: chunk } });
        }
        rows.forEach(function (p) { points.delete(p.k); });
      });
      return done(tx);
    }

    function request(item) {
      var base = cfg.api + "rounds/";
      var url = item.kind === "start" ? base : base + item.round + "/" + {
        points: "points/", finding: "findings/", tick: "ticks/", end: "end/",
      }[item.kind];
      var headers = { Accept: "application/json", "X-CSRFToken": cfg.csrf() };
      var body;
      if (item.kind === "finding") {
        body = new FormData();
        Object.keys(item.body).forEach(function (k) { body.append(k, item.body[k]); });
        (item.photos || []).forEach(function (p, i) { body.append("photos", p, p.name || "photo-" + (i + 1) + ".jpg"); });
      } else {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(item.body);
      }
      return fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin" });
    }

    /* What became of one send: "done", "retry", "auth" or "reject". */
    function send(item) {
      return request(item).then(function (r) {
        if (r.ok) return r.json().catch(function () { return null; }).then(function (answer) {
          if (cfg.onsent) cfg.onsent(item, answer);
          return "done";
        });
        if (r.status === 401 || r.status === 403) return "auth";
        if (r.status === 408 || r.status === 429 || r.status >= 500) return "retry";
        return r.json().catch(function () { return {}; }).then(function (answer) {
          item.refused = { status: r.status, answer: answer, at: new Date().toISOString() };
          if (cfg.onrefused) cfg.onrefused(item);
          return "reject";
        });
      }, function () { return "retry"; });
    }

    function head() {
      var t = store("outbox");
      return req(t.s.openCursor()).then(function (c) { return c ? c.value : null; });
    }

    function settle(item, outcome) {
      var tx = db.transaction(["outbox", "failed"], "readwrite");
      tx.objectStore("outbox").delete(item.n);
      if (outcome === "reject") {
        var copy = Object.assign({}, item);
        delete copy.n;
        tx.objectStore("failed").add(copy);
      }
      return done(tx);
    }

    function later(outcome) {
      pause = pause ? Math.min(pause * 2, MAX_PAUSE) : MIN_PAUSE;
      if (outcome === "auth" && cfg.onauth) cfg.onauth();
      clearTimeout(timer);
      timer = setTimeout(drain, pause);
      return changed(outcome === "auth" ? "auth" : navigator.onLine ? "retry" : "offline");
    }

    function step() {
      return head().then(function (item) {
        if (!item) { pause = 0; return changed("synced"); }
        if (item.user !== cfg.user) return settle(item, "reject").then(step); // another login's
        changed("syncing");
        return send(item).then(function (outcome) {
          if (outcome === "done" || outcome === "reject") {
            pause = 0;
            return settle(item, outcome).then(step);
          }
          return later(outcome);
        });
      });
    }

    function drain() {
      if (!db) return ready.then(drain);
      clearTimeout(timer);
      if (draining) { again = true; return Promise.resolve(); }
      draining = true;
      return step().catch(function () { return later("retry"); }).then(function () {
        draining = false;
        if (again) { again = false; return drain(); }
      });
    }

    function meta(key) {
      var t = store("meta");
      return req(t.s.get(key)).then(function (row) { return row ? row.value : null; });
    }
    function setMeta(key, value) {
      var t = store("meta", "readwrite");
      if (value === null) t.s.delete(key);
      else t.s.put({ key: key, value: value });
      return done(t.tx);
    }

    window.addEventListener("online", function () { pause = 0; drain(); });
    window.addEventListener("offline", function () { changed("offline"); });

    return {
      ready: ready,
      put: put,
      addPoint: addPoint,
      pendingPoints: pendingPoints,
      batch: batch,
      drain: drain,
      counts: counts,
      changed: changed,
      meta: meta,
      setMeta: setMeta,
      uuid: uuid,
    };
  }

  window.JxOutbox = { open: open };
})();
