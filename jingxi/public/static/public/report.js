/* The citizens' report page: pick the place (map, device position or address search),
 * count the description's characters, preview photos. The category picker is shared
 * with the staff's form: catalog/static/catalog/category_pick.js.
 * Works without tiles: Leaflet draws only the marker unless the page sets data-tile-url. */
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("report-i18n").textContent);
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

  // --- description: its length (the category picker is catalog/category_pick.js) -----
  var description = form.querySelector("textarea[name=description]");
  var counter = document.getElementById("desc-count");
  var max = parseInt(description.getAttribute("maxlength") || "2000", 10);
  function count() { counter.textContent = description.value.length + " / " + max + " " + T.chars; }
  description.addEventListener("input", count);
  count();

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
