/* The portal's grid map: grid polygons coloured by their problem count (no positions). */
(function () {
  "use strict";
  var el = document.getElementById("portal-map");
  if (!el || !window.L) return;
  var cfg = el.dataset;
  var legend = document.getElementById("portal-map-legend");
  var COLORS = ["#f1f5f4", "#fde8c8", "#f9c07f", "#f28c45", "#d9542b", "#a12a1a"];

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function colour(n, max) {
    if (!n) return COLORS[0];
    var i = Math.min(COLORS.length - 1, 1 + Math.floor(((COLORS.length - 2) * n) / Math.max(max, 1)));
    return COLORS[i];
  }

  var map = L.map(el, { minZoom: 8, maxZoom: 18 }).setView(
    [parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)], 13
  );
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  fetch(cfg.url, { headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    })
    .then(function (data) {
      var max = data.max || 0;
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#7b8a86", weight: 0.8, fillColor: colour(f.properties.count, max), fillOpacity: 0.75 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(
            esc(p.township) + " · " + esc(p.community) + "<br>" + esc(cfg.labelGrid) + " " + esc(p.code) +
              "<br>" + esc(cfg.labelCount) + "：<strong>" + esc(p.count) + "</strong>",
            { sticky: true }
          );
        },
      }).addTo(map);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      if (legend) {
        // Swatches coloured through the DOM: the Content Security Policy refuses style
        // attributes in HTML.
        legend.textContent = data.period + " · " + cfg.labelCount + " " + data.total + " · ";
        COLORS.forEach(function (c, i) {
          var swatch = document.createElement("i");
          swatch.style.background = c;
          legend.appendChild(swatch);
          var label = i === 0 ? "0" : i === COLORS.length - 1 ? "≤" + max : "";
          legend.appendChild(document.createTextNode(label + " "));
        });
      }
    })
    .catch(function () {
      if (legend) legend.textContent = cfg.labelError;
    });
})();
