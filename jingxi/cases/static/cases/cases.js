/* The case pages: the place picker of the report form, the case page's small map,
 * and "nearest first" on the verification queue. Leaflet draws our own layers; a tile
 * layer goes underneath only when the page sets data-tile-url. */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
      function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || r.statusText);
          return body;
        });
      }
    );
  }

  function baseMap(el, lat, lng, zoom) {
    var map = L.map(el, { zoomControl: true, minZoom: 8, maxZoom: 19 }).setView([lat, lng], zoom);
    el._jxMap = map;
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // Townships and road segments around the view, for orientation without tiles.
  function context(map, layerUrl) {
    if (!layerUrl) return;
    var b = map.getBounds().pad(0.5);
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    [["townships", { color: "#0b5d5b", weight: 1, fillOpacity: 0.04 }], ["segments", { color: "#e0892b", weight: 4, opacity: 0.8 }]].forEach(function (l) {
      getJSON(layerUrl.replace("__layer__", l[0]) + "?bbox=" + bbox).then(function (geo) {
        L.geoJSON(geo, {
          style: l[1],
          interactive: false,
          onEachFeature: function (f, layer) {
            var name = f.properties && (f.properties.road_name || f.properties.name);
            if (name && l[0] === "segments") layer.bindTooltip(String(name), { sticky: true });
          },
        }).addTo(map);
      }).catch(function () { /* context only */ });
    });
  }

  // --- the report form's place picker -----------------------------------------
  var pick = document.getElementById("pick-map");
  if (pick && window.L) {
    var d = pick.dataset;
    var lngInput = document.querySelector("input[name=lng]");
    var latInput = document.querySelector("input[name=lat]");
    var address = document.querySelector("input[name=address]");
    var hint = document.getElementById("pick-hint");
    var has = d.lng && d.lat;
    var map = baseMap(pick, parseFloat(has ? d.lat : d.centerLat), parseFloat(has ? d.lng : d.centerLng), has ? 17 : 14);
    context(map, d.layerUrl);
    var marker = null;
    var addressTouched = !!(address && address.value);
    if (address) address.addEventListener("input", function () { addressTouched = true; });

    function place(lat, lng, label) {
      lngInput.value = lng.toFixed(7);
      latInput.value = lat.toFixed(7);
      if (marker) marker.setLatLng([lat, lng]);
      else marker = L.marker([lat, lng], { draggable: true }).addTo(map).on("dragend", function (e) {
        var p = e.target.getLatLng();
        place(p.lat, p.lng);
      });
      pick.dataset.picked = "1";
      hint.textContent = lng.toFixed(6) + ", " + lat.toFixed(6);
      if (label && address) {
        address.value = label;
        addressTouched = false;
      } else if (d.describeUrl && address && !addressTouched) {
        getJSON(d.describeUrl + "?lng=" + lng + "&lat=" + lat).then(function (r) {
          address.value = r.text || "";
          hint.textContent = (r.text ? r.text + " · " : "") + lng.toFixed(6) + ", " + lat.toFixed(6);
        }).catch(function (err) { hint.textContent = err.message; });
      }
    }
    if (has) place(parseFloat(d.lat), parseFloat(d.lng), address && address.value);
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });

    var results = document.getElementById("place-results");
    var q = document.getElementById("place-q");
    function search() {
      var text = q.value.trim();
      results.innerHTML = "";
      if (!text || !d.geocodeUrl) return;
      getJSON(d.geocodeUrl + "?q=" + encodeURIComponent(text)).then(function (r) {
        if (!r.candidates.length) {
          results.innerHTML = '<li class="note">' + d.noneText + "</li>";
          return;
        }
        r.candidates.slice(0, 6).forEach(function (c) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "place-candidate";
          b.textContent = c.label;
          b.addEventListener("click", function () {
            map.setView([c.lat, c.lng], 17);
            place(c.lat, c.lng, c.label);
            results.innerHTML = "";
          });
          li.appendChild(b);
          results.appendChild(li);
        });
      }).catch(function (err) {
        results.innerHTML = '<li class="note note--error"></li>';
        results.firstChild.textContent = err.message;
      });
    }
    document.getElementById("place-search").addEventListener("click", search);
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); search(); }
    });
    document.getElementById("place-here").addEventListener("click", function () {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (pos) {
        map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        place(pos.coords.latitude, pos.coords.longitude);
      }, function (err) { hint.textContent = err.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  // --- the case page's map ---------------------------------------------------------
  var small = document.getElementById("case-map");
  if (small && window.L) {
    var lat = parseFloat(small.dataset.lat), lng = parseFloat(small.dataset.lng);
    var m = baseMap(small, lat, lng, 16);
    context(m, small.dataset.layerUrl);
    L.circleMarker([lat, lng], { radius: 9, color: "#fff", weight: 3, fillColor: "#b42318", fillOpacity: 1 }).addTo(m);
  }

  // --- the verification queue: nearest first ------------------------------------------
  var near = document.getElementById("near-me");
  if (near) {
    near.addEventListener("click", function () {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("tab", "verify");
        url.searchParams.set("lng", pos.coords.longitude.toFixed(6));
        url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
        url.searchParams.delete("page");
        window.location.href = url.toString();
      }, function () { near.textContent = near.dataset.error; }, { timeout: 10000 });
    });
  }
})();
