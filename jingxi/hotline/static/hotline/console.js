/* The hotline console: live geocoding candidates, a small map to confirm the point,
 * category filter and suggestions, nearby same-kind cases, and keys for speed:
 * Enter moves on (never submits by accident), Enter in the address box searches,
 * ArrowDown walks the candidates. htmx loads the suggestion and nearby fragments. */
(function () {
  "use strict";

  var form = document.getElementById("call-form");
  if (!form) return;
  var mapEl = document.getElementById("call-map");
  var d = mapEl.dataset;
  var lngInput = document.getElementById("lng");
  var latInput = document.getElementById("lat");
  var address = document.getElementById("address");
  var hint = document.getElementById("point-hint");
  var results = document.getElementById("address-candidates");
  var category = document.getElementById("category");
  var filter = document.getElementById("category-filter");
  var findNearby = document.getElementById("find-nearby");

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }

  // --- the map -------------------------------------------------------------------
  var map = null;
  var marker = null;
  if (window.L) {
    var has = d.lng && d.lat;
    map = L.map(mapEl, { minZoom: 8, maxZoom: 19 }).setView(
      [parseFloat(has ? d.lat : d.centerLat), parseFloat(has ? d.lng : d.centerLng)], has ? 17 : 14
    );
    mapEl._jxMap = map;
    if (d.tileUrl) L.tileLayer(d.tileUrl, { attribution: d.tileAttribution || "", maxZoom: 19 }).addTo(map);
    if (d.layerUrl) {
      var b = map.getBounds().pad(1);
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
      [["townships", { color: "#0b5d5b", weight: 1, fillOpacity: 0.04 }], ["segments", { color: "#e0892b", weight: 4, opacity: 0.8 }]].forEach(function (l) {
        getJSON(d.layerUrl.replace("__layer__", l[0]) + "?bbox=" + bbox).then(function (geo) {
          L.geoJSON(geo, {
            style: l[1],
            interactive: l[0] === "segments",
            onEachFeature: function (f, layer) {
              var name = f.properties && f.properties.road_name;
              if (name) layer.bindTooltip(String(name), { sticky: true });
            },
          }).addTo(map);
        }).catch(function () { /* orientation only */ });
      });
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
  }

  function nearbyIfReady() {
    if (category.value && lngInput.value && latInput.value) findNearby.click();
  }

  function place(lat, lng, label) {
    lngInput.value = lng.toFixed(7);
    latInput.value = lat.toFixed(7);
    mapEl.dataset.picked = "1";
    if (map) {
      if (marker) marker.setLatLng([lat, lng]);
      else marker = L.marker([lat, lng], { draggable: true }).addTo(map).on("dragend", function (e) {
        var p = e.target.getLatLng();
        place(p.lat, p.lng);
      });
    }
    var where = lng.toFixed(6) + ", " + lat.toFixed(6);
    hint.textContent = (label ? label + " · " : "") + where;
    if (label) {
      address.value = label;
    } else if (d.describeUrl) {
      getJSON(d.describeUrl + "?lng=" + lng + "&lat=" + lat).then(function (r) {
        hint.textContent = (r.text ? r.text + " · " : "") + where;
      }).catch(function (err) { hint.textContent = err.message; });
    }
    nearbyIfReady();
  }
  if (d.lng && d.lat) place(parseFloat(d.lat), parseFloat(d.lng), address.value);

  // --- address → candidates --------------------------------------------------------
  var seq = 0;
  var timer = null;
  var kindsEl = document.getElementById("hl-geocode-kinds");
  var kinds = kindsEl ? JSON.parse(kindsEl.textContent) : {};

  function note(text, error) {
    results.innerHTML = "";
    var li = document.createElement("li");
    li.className = "note" + (error ? " note--error" : "");
    li.textContent = text;
    results.appendChild(li);
  }

  function search() {
    var text = address.value.trim();
    var mine = ++seq;
    if (timer) { clearTimeout(timer); timer = null; }
    if (!text) { results.innerHTML = ""; return Promise.resolve(); }
    return getJSON(d.geocodeUrl + "?q=" + encodeURIComponent(text)).then(function (r) {
      if (mine !== seq) return;
      results.innerHTML = "";
      if (!r.candidates.length) { note(d.noneText); return; }
      r.candidates.slice(0, 8).forEach(function (c) {
        var li = document.createElement("li");
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "hl-candidate";
        btn.textContent = c.label;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = kinds[c.kind] || c.kind;
        btn.appendChild(kind);
        btn.addEventListener("click", function () {
          if (map) map.setView([c.lat, c.lng], 17);
          results.innerHTML = "";
          place(c.lat, c.lng, c.label);
          findNearby.focus();
        });
        li.appendChild(btn);
        results.appendChild(li);
      });
    }).catch(function (err) { if (mine === seq) note(err.message, true); });
  }

  address.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(search, 350);
  });
  address.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); search(); }
    if (e.key === "ArrowDown") {
      var first = results.querySelector("button");
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
  results.addEventListener("keydown", function (e) {
    var buttons = Array.prototype.slice.call(results.querySelectorAll("button"));
    var i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i < buttons.length - 1) { e.preventDefault(); buttons[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? buttons[i - 1] : address).focus(); }
  });
  document.getElementById("address-search").addEventListener("click", search);

  // --- category: filter, suggestions ----------------------------------------------
  function visibleOptions() {
    return Array.prototype.filter.call(category.options, function (o) { return o.value && !o.hidden; });
  }
  function choose(value) {
    category.value = value;
    category.dispatchEvent(new Event("change", { bubbles: true }));
  }
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(category.options, function (o) {
      if (o.value) o.hidden = !!q && o.textContent.toLowerCase().indexOf(q) < 0;
    });
    var shown = visibleOptions();
    if (q && shown.length === 1) choose(shown[0].value);
  });
  filter.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var shown = visibleOptions();
      if (shown.length) { choose(shown[0].value); address.focus(); }
    }
    if (e.key === "ArrowDown") { e.preventDefault(); category.focus(); }
  });
  document.getElementById("category-suggestions").addEventListener("click", function (e) {
    var chip = e.target.closest("[data-category]");
    if (!chip) return;
    filter.value = "";
    Array.prototype.forEach.call(category.options, function (o) { o.hidden = false; });
    choose(chip.dataset.category);
  });
  category.addEventListener("change", nearbyIfReady);

  // --- keys -------------------------------------------------------------------------
  var next = { "caller-phone": "caller-name", "caller-name": "call-text" };
  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "Enter" || !t || t.tagName !== "INPUT") return;
    e.preventDefault();  // only the buttons submit
    if (next[t.id]) document.getElementById(next[t.id]).focus();
  });
  document.getElementById("call-text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); filter.focus(); }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "nearby") return;
    var attach = e.detail.target.querySelector(".hl-attach");
    if (attach) attach.focus();
  });
  // --- the call's duration: from the first keystroke to the submit -------------------
  var timerEl = document.getElementById("call-timer");
  var duration = document.getElementById("duration-seconds");
  var started = null;
  function seconds() { return started ? Math.round((Date.now() - started) / 1000) : 0; }
  function tick() {
    var s = seconds();
    timerEl.textContent = timerEl.dataset.label + " " + String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  form.addEventListener("input", function () {
    if (started) return;
    started = Date.now();
    timerEl.hidden = false;
    tick();
    setInterval(tick, 1000);
  });
  if (duration.value) {  // the form came back with an error: the call goes on
    started = Date.now() - (parseInt(duration.value, 10) || 0) * 1000;
    timerEl.hidden = false;
    tick();
    setInterval(tick, 1000);
  }
  form.addEventListener("submit", function () {
    if (started) duration.value = String(seconds());
  });

  var nextCall = document.getElementById("next-call");
  if (nextCall) nextCall.focus();
})();
