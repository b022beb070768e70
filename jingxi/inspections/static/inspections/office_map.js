/* The office's inspection maps (no inline code: the page's data-* attributes say what to
 * load). data-kind="coverage": the day's segments coloured by state; "positions": the last
 * position of each open round, reloaded every minute. */
(function () {
  "use strict";

  var el = document.getElementById("office-map");
  if (!el || !window.L) return;
  var cfg = el.dataset;
  var COLORS = { walked: "#2e7d32", partly: "#ef6c00", missed: "#c62828", extra: "#4a7fb5" };

  var map = L.map(el, { minZoom: 8, maxZoom: 19 }).setView(
    [parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)],
    13
  );
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function load(url, done) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) done(data); });
  }

  function coverage() {
    load(cfg.url, function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: COLORS[f.properties.state] || "#666", weight: 5, opacity: 0.9 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup(
            "<strong>" + esc(p.road) + " #" + esc(p.seq) + "</strong><br>" +
            esc(cfg.labelRatio) + " " + Math.round(p.ratio * 100) + "%" +
            (p.inspector ? "<br>" + esc(cfg.labelInspector) + " " + esc(p.inspector) : "")
          );
        },
      }).addTo(map);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
    });
  }

  function positions() {
    var layer = L.layerGroup().addTo(map);
    var first = true;
    function refresh() {
      load(cfg.url, function (data) {
        layer.clearLayers();
        var points = [];
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var p = f.properties;
          points.push([c[1], c[0]]);
          L.circleMarker([c[1], c[0]], { radius: 8, color: "#1565c0", fillOpacity: 0.8 })
            .bindTooltip(esc(p.inspector), { permanent: true, direction: "right" })
            .bindPopup(esc(p.inspector) + "<br>" + esc(cfg.labelAt) + " " + esc((p.at || "").slice(11, 16)))
            .addTo(layer);
        });
        if (first && points.length) map.fitBounds(points, { padding: [40, 40], maxZoom: 16 });
        first = false;
      });
    }
    refresh();
    window.setInterval(refresh, 60000);
  }

  if (cfg.kind === "positions") positions();
  else coverage();
})();
