/* A small read-only map of a GeoJSON geometry on the admin change page.
   No tiles: the shape is drawn on a plain background, so it works offline. */
(function () {
  "use strict";

  function draw(element) {
    if (element.dataset.drawn || typeof L === "undefined") {
      return;
    }
    element.dataset.drawn = "1";
    var geometry;
    try {
      geometry = JSON.parse(element.dataset.geojson);
    } catch (error) {
      element.textContent = String(error);
      return;
    }
    var map = L.map(element, {
      attributionControl: false,
      scrollWheelZoom: false,
      dragging: true,
      zoomControl: true,
    });
    var layer = L.geoJSON(geometry, {
      style: { color: "#c0392b", weight: 3, fillOpacity: 0.15 },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: "#c0392b", fillOpacity: 0.6 });
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
    } else {
      map.setView([0, 0], 2);
    }
  }

  function drawAll() {
    document.querySelectorAll(".jingxi-geo-preview").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
