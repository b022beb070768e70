/* Pick a point on the map for a media exposure: fills the form's hidden lng/lat (WGS84). */
(function () {
  "use strict";
  var el = document.getElementById("portal-pickmap");
  if (!el || !window.L) return;
  var cfg = el.dataset;
  var lng = document.getElementById("id_lng");
  var lat = document.getElementById("id_lat");
  var map = L.map(el).setView([parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)], 13);
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
  if (cfg.gridsUrl) {
    fetch(cfg.gridsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var layer = L.geoJSON(data, { style: { color: "#0b5d5b", weight: 1.5, fillOpacity: 0.04 }, interactive: false }).addTo(map);
        if (layer.getLayers().length && !(lng && lng.value)) map.fitBounds(layer.getBounds());
      });
  }
  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng).addTo(map);
    if (lng) lng.value = latlng.lng.toFixed(6);
    if (lat) lat.value = latlng.lat.toFixed(6);
  }
  if (lng && lat && lng.value && lat.value) {
    var start = L.latLng(parseFloat(lat.value), parseFloat(lng.value));
    place(start);
    map.setView(start, 16);
  }
  map.on("click", function (e) { place(e.latlng); });
})();
