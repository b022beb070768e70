/* The citizens' report page: pick the place (map, device position or address search),
 * pick a category (search, plus suggestions from the description), preview photos.
 * Works without tiles: Leaflet draws only the marker unless the page sets data-tile-url. */
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("report-i18n").textContent);
  var CATEGORIES = JSON.parse(document.getElementById("category-data").textContent);
  var form = document.getElementById("report-form");
  if (!form) return;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- place ---------------------------------------------------------------------
  var pick = document.getElementById("pick-map");
  var lngInput = form.querySelector("input[name=lng]");
  var latInput = form.querySelector("input[name=lat]");
  var address = form.querySelector("input[name=address]");
  var status = document.getElementById("place-status");
  var d = pick.dataset;
  var map = null;
  var marker = null;
  var addressTouched = !!address.value;
  address.addEventListener("input", function () { addressTouched = true; });

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "place-status" + (kind ? " is-" + kind : "");
  }

  function place(lat, lng, label) {
    lngInput.value = lng.toFixed(7);
    latInput.value = lat.toFixed(7);
    if (map) {
      if (marker) marker.setLatLng([lat, lng]);
      else {
        marker = L.marker([lat, lng], { draggable: true }).addTo(map);
        marker.on("dragend", function (e) {
          var p = e.target.getLatLng();
          place(p.lat, p.lng);
        });
      }
    }
    pick.dataset.picked = "1";
    if (label) {
      setStatus("✓ " + T.picked + "：" + label, "set");
      if (!addressTouched) address.value = label;
      return;
    }
    setStatus(T.searching);
    getJSON(d.describeUrl + "?lng=" + lng.toFixed(7) + "&lat=" + lat.toFixed(7)).then(function (r) {
      setStatus("✓ " + T.picked + "：" + (r.text || lng.toFixed(5) + ", " + lat.toFixed(5)), "set");
      if (!addressTouched) address.value = r.text || "";
    }).catch(function (err) {
      // Outside the county (or not understood): the point cannot be used.
      lngInput.value = "";
      latInput.value = "";
      pick.dataset.picked = "";
      setStatus(err.message, "error");
    });
  }

  if (window.L) {
    var has = d.lng && d.lat;
    map = L.map(pick, { zoomControl: true, minZoom: 8, maxZoom: 19, tap: true }).setView(
      [parseFloat(has ? d.lat : d.centerLat), parseFloat(has ? d.lng : d.centerLng)],
      has ? 17 : 14
    );
    pick._jxMap = map;
    if (d.tileUrl) L.tileLayer(d.tileUrl, { attribution: d.tileAttribution || "", maxZoom: 19 }).addTo(map);
    else if (d.contextUrl) {
      // No tiles: the county's streets and roads, so the citizen knows where to tap.
      getJSON(d.contextUrl).then(function (geo) {
        L.geoJSON(geo, {
          interactive: false,
          style: function (f) {
            return f.properties.kind === "road"
              ? { color: "#e0892b", weight: 5, opacity: 0.85 }
              : { color: "#0b5d5b", weight: 1.5, dashArray: "4 4", fillColor: "#0b5d5b", fillOpacity: 0.05 };
          },
        }).addTo(map);
        var names = {};
        geo.features.forEach(function (f) {
          if (f.properties.kind !== "road" || names[f.properties.name]) return;
          var c = f.geometry.coordinates;
          var mid = c[Math.floor(c.length / 2)];
          if (!mid || typeof mid[0] !== "number") return;
          names[f.properties.name] = true;
          L.tooltip({ permanent: true, direction: "center", className: "road-label", interactive: false })
            .setLatLng([mid[1], mid[0]])
            .setContent(el("span", "", f.properties.name))
            .addTo(map);
        });
      }).catch(function () { /* orientation only */ });
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
    if (has) place(parseFloat(d.lat), parseFloat(d.lng), address.value);
  }

  var results = document.getElementById("place-results");
  var q = document.getElementById("place-q");
  function search() {
    var text = q.value.trim();
    results.innerHTML = "";
    if (!text) return;
    results.appendChild(el("li", "choice__empty", T.searching));
    getJSON(d.geocodeUrl + "?q=" + encodeURIComponent(text)).then(function (r) {
      results.innerHTML = "";
      if (!r.candidates.length) {
        results.appendChild(el("li", "choice__empty", T.none));
        return;
      }
      r.candidates.slice(0, 6).forEach(function (c) {
        var li = el("li");
        var b = el("button", "place-candidate", c.label);
        b.type = "button";
        b.addEventListener("click", function () {
          if (map) map.setView([c.lat, c.lng], 17);
          place(c.lat, c.lng, c.label);
          results.innerHTML = "";
        });
        li.appendChild(b);
        results.appendChild(li);
      });
    }).catch(function (err) {
      results.innerHTML = "";
      results.appendChild(el("li", "choice__empty", err.message));
    });
  }
  document.getElementById("place-search").addEventListener("click", search);
  q.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); search(); }
  });
  document.getElementById("place-here").addEventListener("click", function () {
    if (!navigator.geolocation) { setStatus(T.locateFailed, "error"); return; }
    setStatus(T.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      // The browser gives WGS84, the system's coordinates.
      if (map) map.setView([pos.coords.latitude, pos.coords.longitude], 17);
      place(pos.coords.latitude, pos.coords.longitude);
    }, function () { setStatus(T.locateFailed, "error"); }, { enableHighAccuracy: true, timeout: 10000 });
  });

  // --- category ------------------------------------------------------------------
  var categoryInput = form.querySelector("input[name=category]");
  var chosen = document.getElementById("category-chosen");
  var cq = document.getElementById("category-q");
  var cresults = document.getElementById("category-results");
  var suggestBox = document.getElementById("category-suggest-box");
  var suggestChips = document.getElementById("category-suggest");
  var byId = {};
  CATEGORIES.forEach(function (c) { byId[String(c.id)] = c; });

  function choose(id) {
    var c = byId[String(id)];
    chosen.innerHTML = "";
    if (!c) { categoryInput.value = ""; return; }
    categoryInput.value = String(c.id);
    var label = el("span");
    label.appendChild(el("strong", "", c.name));
    label.appendChild(el("span", "muted small", " · " + c.major));
    var change = el("button", "btn btn--small", T.change);
    change.type = "button";
    change.addEventListener("click", function () { choose(null); cq.focus(); });
    chosen.appendChild(label);
    chosen.appendChild(change);
    chosen.dataset.category = String(c.id);
    cresults.innerHTML = "";
    cq.value = "";
    Array.prototype.forEach.call(suggestChips.children, function (chip) {
      chip.setAttribute("aria-pressed", chip.dataset.category === String(c.id) ? "true" : "false");
    });
  }
  if (categoryInput.value) choose(categoryInput.value);

  function categorySearch() {
    var text = cq.value.trim().toLowerCase();
    cresults.innerHTML = "";
    if (!text) return;
    var hits = CATEGORIES.filter(function (c) {
      return (c.name + " " + c.major + " " + c.keywords + " " + c.code).toLowerCase().indexOf(text) >= 0;
    }).slice(0, 10);
    if (!hits.length) {
      cresults.appendChild(el("li", "choice__empty", T.noCategory));
      return;
    }
    hits.forEach(function (c) {
      var li = el("li");
      var b = el("button", "category-choice");
      b.type = "button";
      b.dataset.category = String(c.id);
      b.appendChild(document.createTextNode(c.name));
      b.appendChild(el("span", "choice__sub", c.kind + " · " + c.major));
      b.addEventListener("click", function () { choose(c.id); });
      li.appendChild(b);
      cresults.appendChild(li);
    });
  }
  cq.addEventListener("input", categorySearch);
  cq.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });

  var description = form.querySelector("textarea[name=description]");
  var counter = document.getElementById("desc-count");
  var max = parseInt(description.getAttribute("maxlength") || "2000", 10);
  var timer = null;
  var lastAsked = "";
  function count() { counter.textContent = description.value.length + " / " + max + " " + T.chars; }
  function suggest() {
    var text = description.value.trim();
    if (text.length < 2 || text === lastAsked) return;
    lastAsked = text;
    getJSON(form.dataset.suggestUrl + "?q=" + encodeURIComponent(text.slice(0, 300))).then(function (r) {
      suggestChips.innerHTML = "";
      suggestBox.hidden = !r.suggestions.length;
      r.suggestions.forEach(function (s, i) {
        var chip = el("button", "chip" + (i === 0 ? " is-suggested" : ""), s.name);
        chip.type = "button";
        chip.dataset.category = String(s.id);
        chip.setAttribute("aria-pressed", categoryInput.value === String(s.id) ? "true" : "false");
        chip.addEventListener("click", function () { choose(s.id); });
        suggestChips.appendChild(chip);
      });
    }).catch(function () { /* suggestions are a help only */ });
  }
  description.addEventListener("input", function () {
    count();
    clearTimeout(timer);
    timer = setTimeout(suggest, 500);
  });
  count();
  if (description.value) suggest();

  // --- photos --------------------------------------------------------------------
  var photos = form.querySelector("input[name=photos]");
  var thumbs = document.getElementById("photo-thumbs");
  photos.addEventListener("change", function () {
    thumbs.innerHTML = "";
    Array.prototype.slice.call(photos.files, 0, 6).forEach(function (file) {
      var img = el("img");
      img.alt = file.name;
      if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) img.src = URL.createObjectURL(file);
      thumbs.appendChild(img);
    });
  });

  // --- submit --------------------------------------------------------------------
  form.addEventListener("submit", function () {
    var button = document.getElementById("report-submit");
    // The server refuses a second case for the same form anyway (its token); this
    // only spares the citizen a second wait.
    setTimeout(function () {
      button.disabled = true;
      button.textContent = button.dataset.busy;
    }, 0);
  });
})();
