/* The inspector's round page: today's route on the map, the round's start and end, the
 * live position, positions recorded while the round is open, problems reported with
 * photos, and the sync state. Everything goes through the outbox (outbox.js), so the
 * page works the same with and without signal; a service worker (/inspections/sw.js)
 * keeps the page and its assets for a reload without signal.
 *
 * The round lives in IndexedDB ("meta", per user) from its start until its end has been
 * sent; a page reloaded in the middle of a round resumes it. A point's seq is the
 * tenths of a second since the round started, kept strictly increasing: unique and in
 * order even when another phone, or a cleared browser, resumes the round.
 *
 * The per-segment checklist: 正常 queues a tick (ok) in the outbox, 有问题 queues a tick
 * (not ok) and opens the report form with the item's category chosen. What was ticked is
 * kept with the round in IndexedDB (current.ticks, "segment:category" → ok), so a page
 * reloaded without signal shows it.
 */
(function () {
  "use strict";

  var root = document.getElementById("round");
  if (!root || !window.JxOutbox) return;
  var cfg = root.dataset;
  var T = document.getElementById("round-i18n").dataset;
  var today = JSON.parse(document.getElementById("round-today").textContent);
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var user = cfg.user;
  var META = "round:" + user;
  var BATCH_POINTS = parseInt(cfg.batchPoints || "20", 10);
  var BATCH_SECONDS = parseInt(cfg.batchSeconds || "30", 10);

  var $ = function (id) { return document.getElementById(id); };
  var startBtn = $("round-start");
  var endBtn = $("round-end");
  var reportBtn = $("round-report");
  var syncEl = $("round-sync");
  var fixEl = $("round-fix");
  var form = $("finding-form");
  var formError = $("finding-error");
  var failedEl = $("round-failed");
  var checklist = $("round-checklist");

  var current = null; // {client_id, started_at, last_seq, points, ended}
  var lastFix = null;
  var busy = Promise.resolve(); // the page's writes to IndexedDB, one after another

  function serial(fn) {
    busy = busy.then(fn).catch(function (e) { fixEl.textContent = String(e); });
    return busy;
  }

  function fill(text, n) { return String(text).replace("{n}", n).replace("{m}", n); }

  // --- the map ---------------------------------------------------------------------
  var map = null, track = null, marker = null;
  if (window.L) {
    map = L.map("round-map", { zoomControl: true, minZoom: 8, maxZoom: 19 }).setView(
      [parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)], 14
    );
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    if (today.geometry) {
      var route = L.geoJSON(today.geometry, { style: { color: "#0b5d5b", weight: 5, opacity: 0.8 } }).addTo(map);
      map.fitBounds(route.getBounds(), { padding: [20, 20] });
    }
    today.stops.forEach(function (s) {
      L.marker([s.lat, s.lng], {
        icon: L.divIcon({ className: "round-stop round-stop--" + s.kind, html: String(s.n), iconSize: [26, 26] }),
        title: s.n + ". " + s.label,
        keyboard: false,
      }).addTo(map);
    });
    track = L.polyline([], { color: "#a85a0c", weight: 4 }).addTo(map);
    marker = L.circleMarker([0, 0], { radius: 8, color: "#fff", weight: 3, fillColor: "#1565c0", fillOpacity: 1 });
  }

  // --- the sync state --------------------------------------------------------------
  function showSync(c) {
    root.dataset.queued = String(c.queued);
    root.dataset.failed = String(c.failed);
    syncEl.dataset.sync = c.state;
    var text;
    if (c.queued === 0) text = T.synced;
    else if (c.state === "offline") text = fill(T.offline, c.queued);
    else if (c.state === "auth") text = fill(T.login, c.queued);
    else if (c.state === "retry") text = fill(T.retry, c.queued);
    else text = fill(T.syncing, c.queued);
    syncEl.textContent = text;
    failedEl.hidden = !c.failed;
    failedEl.textContent = c.failed ? fill(T.failed, c.failed) : "";
  }

  var box = JxOutbox.open({
    api: cfg.api,
    user: user,
    csrf: function () { return csrfInput ? csrfInput.value : ""; },
    onchange: showSync,
    // A 401/403: the page may hold a token older than the session (a copy kept by the
    // service worker); take the current one from a fresh page. A logged-out user gets
    // the login page instead, and the queue waits for the next login.
    onauth: function () {
      fetch(cfg.pageUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html")
            .querySelector("#round input[name=csrfmiddlewaretoken]");
          if (fresh && csrfInput) csrfInput.value = fresh.value;
        })
        .catch(function () { /* no signal: the next try asks again */ });
    },
    onsent: function (item) {
      if (item.kind === "end") root.dataset.sentEnd = item.round; // the server has the end
    },
    onrefused: function (item) {
      var code = item.refused && item.refused.answer && item.refused.answer.code;
      if (item.kind === "start" && code === "round_open") fixEl.textContent = T.openElsewhere;
    },
  });

  // --- the round -------------------------------------------------------------------
  function showRound() {
    var open = !!(current && !current.ended);
    root.dataset.state = open ? "open" : "idle";
    startBtn.hidden = open;
    endBtn.hidden = !open;
    reportBtn.disabled = !open;
    if (!open) form.hidden = true;
    if (checklist) checklist.hidden = !open;
    showTicks();
  }

  function save() { return box.setMeta(META, current); }

  function nextSeq() {
    var since = Math.floor((Date.now() - Date.parse(current.started_at)) / 100);
    current.last_seq = Math.max(current.last_seq + 1, since, 1);
    return current.last_seq;
  }

  function record(fix) {
    if (!current || current.ended) return busy;
    var point = {
      round: current.client_id,
      seq: nextSeq(),
      t: new Date().toISOString(),
      lng: fix.lng,
      lat: fix.lat,
      accuracy: fix.accuracy,
    };
    current.points += 1;
    var count = String(current.points);
    if (track) track.addLatLng([fix.lat, fix.lng]);
    var round = current.client_id;
    return serial(function () {
      return save()
        .then(function () { return box.addPoint(point); })
        .then(function () { root.dataset.points = count; }) // counted once stored
        .then(function () { return box.pendingPoints(round); })
        .then(function (n) { if (n >= BATCH_POINTS) flush(); }); // not awaited: sending may wait long
    });
  }

  function flush() {
    // Sending is not awaited: with a bad signal it may take long, and positions go on.
    if (!current) { box.drain(); return Promise.resolve(); }
    return box.batch(current.client_id).then(function () { box.drain(); });
  }

  function start() {
    var now = new Date().toISOString();
    current = { client_id: box.uuid(), started_at: now, last_seq: 0, points: 0, ended: false };
    root.dataset.round = current.client_id;
    root.dataset.points = "0";
    if (track) track.setLatLngs([]);
    var body = { client_id: current.client_id, started_at: now };
    if (today.travel_mode) body.travel_mode = today.travel_mode;
    showRound();
    var round = current.client_id;
    serial(function () {
      return save().then(function () { return box.put({ kind: "start", round: round, body: body }); });
    });
    if (lastFix) record(lastFix);
    serial(function () { box.drain(); });
  }

  function end() {
    var round = current.client_id;
    var endedAt = new Date().toISOString();
    current = null; // what is left of the round is in the outbox, the end last
    showRound();
    serial(function () {
      return box.batch(round)
        .then(function () { return box.put({ kind: "end", round: round, body: { ended_at: endedAt } }); })
        .then(function () { return box.setMeta(META, null); })
        .then(function () { fixEl.textContent = T.ended; box.drain(); });
    });
  }

  // --- position --------------------------------------------------------------------
  function onFix(pos) {
    lastFix = { lng: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy };
    fixEl.textContent = fill(T.fix, Math.round(lastFix.accuracy));
    if (marker) {
      marker.setLatLng([lastFix.lat, lastFix.lng]);
      if (!map.hasLayer(marker)) marker.addTo(map);
    }
    record(lastFix);
  }
  function onFixError() { fixEl.textContent = T.geoError; }

  // --- findings --------------------------------------------------------------------
  function fail(text) { formError.textContent = text; formError.hidden = false; }

  function report(ev) {
    ev.preventDefault();
    var category = form.querySelector("[name=category]").value;
    var description = form.querySelector("[name=description]").value.trim();
    if (!category) return fail(T.needCategory);
    if (!description) return fail(T.needDescription);
    if (!lastFix) return fail(T.needFix);
    var files = Array.prototype.slice.call(form.querySelector("[name=photos]").files || []);
    var round = current.client_id;
    var finding = {
      kind: "finding",
      round: round,
      body: {
        client_id: box.uuid(),
        category: category,
        description: description,
        urgency: form.querySelector("[name=urgency]").value,
        lng: String(lastFix.lng),
        lat: String(lastFix.lat),
        at: new Date().toISOString(),
      },
      photos: files, // Blobs, kept in IndexedDB until sent
    };
    formError.hidden = true;
    serial(function () {
      return box.batch(round).then(function () { return box.put(finding); }).then(function () {
        form.reset();
        form.querySelector("[name=category]").value = "";
        var chosen = $("category-chosen");
        if (chosen) { chosen.innerHTML = ""; delete chosen.dataset.category; }
        form.hidden = true;
        fixEl.textContent = T.saved;
        root.dataset.findings = String(parseInt(root.dataset.findings || "0", 10) + 1);
        box.drain();
      });
    });
  }

  // --- the checklist ---------------------------------------------------------------
  function showTicks() {
    if (!checklist) return;
    var ticks = (current && !current.ended && current.ticks) || {};
    var ticked = 0;
    Array.prototype.forEach.call(checklist.querySelectorAll("[data-segment]"), function (seg) {
      var items = seg.querySelectorAll("[data-category]");
      var done = 0;
      Array.prototype.forEach.call(items, function (li) {
        var ok = ticks[seg.dataset.segment + ":" + li.dataset.category];
        li.dataset.state = ok === true ? "ok" : ok === false ? "bad" : "";
        li.querySelector("[data-ok='1']").setAttribute("aria-pressed", ok === true ? "true" : "false");
        li.querySelector("[data-ok='0']").setAttribute("aria-pressed", ok === false ? "true" : "false");
        if (ok !== undefined) done += 1;
      });
      seg.querySelector("[data-count]").textContent = done + "/" + items.length;
      ticked += done;
    });
    root.dataset.ticked = String(ticked);
  }

  function openReport(category) {
    form.hidden = false;
    formError.hidden = true;
    var pick = form.querySelector("[data-category-pick]");
    if (category && pick) pick.dispatchEvent(new CustomEvent("category:choose", { detail: category }));
    form.scrollIntoView({ block: "start" });
  }

  function tick(ev) {
    var button = ev.target.closest("button[data-ok]");
    if (!button || !current || current.ended) return;
    var li = button.closest("[data-category]");
    var segment = button.closest("[data-segment]").dataset.segment;
    var ok = button.dataset.ok === "1";
    var round = current.client_id;
    current.ticks = current.ticks || {};
    current.ticks[segment + ":" + li.dataset.category] = ok;
    showTicks();
    var item = {
      kind: "tick",
      round: round,
      body: {
        client_id: box.uuid(),
        segment: parseInt(segment, 10),
        category: parseInt(li.dataset.category, 10),
        ok: ok,
        at: new Date().toISOString(),
      },
    };
    serial(function () {
      return save()
        .then(function () { return box.batch(round); })
        .then(function () { return box.put(item); })
        .then(function () { box.drain(); });
    });
    if (!ok) openReport(li.dataset.category);
  }

  // --- wiring ----------------------------------------------------------------------
  startBtn.addEventListener("click", start);
  endBtn.addEventListener("click", end);
  reportBtn.addEventListener("click", function () { openReport(null); });
  if (checklist) checklist.addEventListener("click", tick);
  $("finding-cancel").addEventListener("click", function () { form.hidden = true; });
  form.addEventListener("submit", report);

  box.ready.then(function () { return box.meta(META); }).then(function (saved) {
    current = saved;
    if (!current && today.open_round) {
      // A round open on the server that this browser does not hold: resume it.
      current = { client_id: today.open_round, started_at: today.open_started_at, last_seq: 0, points: 0, ended: false };
      return save();
    }
  }).then(function () {
    if (current) {
      root.dataset.round = current.client_id;
      root.dataset.points = String(current.points || 0);
    }
    showRound();
    root.dataset.ready = "1";
    box.changed();
    return box.drain();
  });

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onFix, onFixError, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
  } else {
    onFixError();
  }
  setInterval(function () { serial(flush); }, BATCH_SECONDS * 1000);

  // The service worker keeps the page and its assets for a reload without signal.
  if ("serviceWorker" in navigator && cfg.swUrl) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.pageUrl.replace(/[^/]*\/$/, "") }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [cfg.pageUrl].concat(cfg.assets.split(/\s+/).filter(Boolean));
      if (reg.active) reg.active.postMessage({ type: "cache", urls: urls });
    }).catch(function () { /* the page works without it, only not reloaded offline */ });
  }
})();
