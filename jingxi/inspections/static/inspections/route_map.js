/* A walking route on the map: the walk as a line, its start, and its pending checks. */
(function () {
  "use strict";
  var el = document.getElementById("route-map");
  var data = document.getElementById("route-geometry");
  if (!el || !data || !window.L) return;
  var cfg = el.dataset;
  var geometry = JSON.parse(data.textContent || "null");
  var map = L.map(el, { minZoom: 8, maxZoom: 19 });
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  if (!geometry) {
    map.setView([parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)], 13);
    return;
  }
  // The view first: a vector layer added to a map without one cannot draw.
  var line = L.geoJSON(geometry, { style: { color: "#1f6f5c", weight: 4, opacity: 0.85 } });
  map.fitBounds(line.getBounds(), { padding: [20, 20] });
  line.addTo(map);
  var first = geometry.type === "LineString" ? geometry.coordinates[0] : geometry.coordinates[0][0];
  if (first) {
    L.circleMarker([first[1], first[0]], { radius: 7, color: "#a12a1a", fillOpacity: 0.9 })
      .bindTooltip(cfg.startLabel || "")
      .addTo(map);
  }
})();
