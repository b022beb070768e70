/* The jurisdiction map: our own layers (GeoJSON from /map/layers/), search, "what is here".
 * No tile server is needed; when the page sets data-tile-url a tile layer goes underneath. */
(function () {
  "use strict";

  var el = document.getElementById("jx-map");
  if (!el || !window.L) return;
  var T = JSON.parse(document.getElementById("jx-map-i18n").textContent);
  var cfg = el.dataset;

  var GRID_MIN_ZOOM = 14;
  var COMPONENT_MIN_ZOOM = 15;
  var GRADE_STYLE = {
    expressway: { color: "#b23c17", weight: 6 },
    arterial: { color: "#d9622b", weight: 5 },
    secondary: { color: "#e0892b", weight: 4 },
    branch: { color: "#c9a227", weight: 3 },
    alley: { color: "#9e8f5a", weight: 2 },
  };
  var STATE_COLOR = {
    intact: "#2e7d32",
    damaged: "#c62828",
    lost: "#6a1b9a",
    occupied: "#ef6c00",
    abandoned: "#616161",
  };

  var map = L.map(el, { zoomControl: true, minZoom: 8, maxZoom: 19 }).setView(
    [parseFloat(cfg.centerLat), parseFloat(cfg.centerLng)],
    parseInt(cfg.zoom || "13", 10)
  );
  el._jxMap = map;
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  // Panes keep the drawing order whatever loads first: areas, then grids, then roads.
  [["jx-areas", 410], ["jx-grids", 420], ["jx-roads", 440]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = String(p[1]);
  });

  // --- helpers -------------------------------------------------------------
  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function text(value) {
    // Responsibility answers may carry strings, numbers, objects with a name, or lists of them.
    if (value === null || value === undefined || value === "") return "";
    if (Array.isArray(value)) return value.map(text).filter(Boolean).join("、");
    if (typeof value === "object") {
      var name = value.name || value.label || value.full_name || value.user || value.code || "";
      var extra = value.level_label || value.level_display || value.level || "";
      var phone = value.supervision_phone || value.phone || "";
      var out = text(name);
      if (extra) out += "（" + text(extra) + "）";
      if (phone) out += " " + text(phone);
      return out;
    }
    return String(value);
  }
  function popupHtml(title, rows) {
    var body = rows
      .filter(function (r) { return r[1] !== "" && r[1] !== null && r[1] !== undefined; })
      .map(function (r) { return "<dt>" + esc(r[0]) + "</dt><dd" + (r[2] ? ' class="' + r[2] + '"' : "") + ">" + esc(r[1]) + "</dd>"; })
      .join("");
    return '<div class="jx-popup"><h4>' + esc(title) + "</h4><dl>" + body + "</dl></div>";
  }
  function layerUrl(layer, bbox) {
    var url = cfg.layerUrl.replace("__layer__", layer);
    return bbox ? url + "?bbox=" + bbox : url;
  }
  function viewBbox(pad) {
    var b = map.getBounds().pad(pad || 0);
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
  }
  function getJSON(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: signal })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
          return body;
        });
      });
  }

  // --- layers --------------------------------------------------------------
  var clicked = null; // properties of the polygon under the last map click
  function remember(kind) {
    return function (feature, layer) {
      layer.on("click", function () { clicked = { kind: kind, p: feature.properties }; });
    };
  }

  var townships = L.geoJSON(null, {
    pane: "jx-areas",
    style: { color: "#0b5d5b", weight: 2.5, fillColor: "#0b5d5b", fillOpacity: 0.05 },
    onEachFeature: function (feature, layer) {
      remember("township")(feature, layer);
      layer.bindTooltip(esc(feature.properties.name), { permanent: true, direction: "center", className: "township-label" });
    },
  });
  var communities = L.geoJSON(null, {
    pane: "jx-areas",
    style: { color: "#4a7fb5", weight: 1.5, dashArray: "6 4", fillOpacity: 0 },
    onEachFeature: remember("community"),
  });
  var grids = L.geoJSON(null, {
    pane: "jx-grids",
    style: { color: "#7b8a86", weight: 0.8, fillColor: "#7b8a86", fillOpacity: 0.03 },
    onEachFeature: remember("grid"),
  });
  var segments = L.geoJSON(null, {
    pane: "jx-roads",
    bubblingMouseEvents: false,
    style: function (feature) {
      var s = GRADE_STYLE[feature.properties.grade] || GRADE_STYLE.branch;
      return { color: s.color, weight: s.weight, opacity: 0.9, lineCap: "round" };
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(esc(p.road), { sticky: true });
      layer.bindPopup(popupHtml(p.name, [
        [T.road, p.road + " · " + p.road_code],
        [T.grade, p.grade_label],
        [T.township, p.township],
        [T.maintainer, p.maintainer],
        [T.length, p.length_m + " " + T.meters],
        [T.road_chiefs_count, p.road_chiefs_count],
        [T.road_chiefs, (p.road_chiefs || []).join("、") || T.none],
      ]));
      layer.on("mouseover", function () { layer.setStyle({ weight: (GRADE_STYLE[p.grade] || GRADE_STYLE.branch).weight + 3 }); });
      layer.on("mouseout", function () { segments.resetStyle(layer); });
    },
  });
  var components = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    disableClusteringAtZoom: 18,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? 24 : n < 100 ? 30 : 36;
      return L.divIcon({ html: "<span>" + n + "</span>", className: "jx-cluster", iconSize: [size, size] });
    },
  });
  function componentMarker(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    // The dot is styled by a class and coloured through the DOM: the Content Security
    // Policy refuses style attributes in HTML.
    var dot = document.createElement("span");
    dot.className = "jx-component-dot";
    dot.style.background = STATE_COLOR[p.state] || "#455a64";
    var icon = L.divIcon({ className: "", html: dot, iconSize: [12, 12] });
    return L.marker([c[1], c[0]], { icon: icon, title: p.name }).bindPopup(popupHtml(p.name, [
      [T.object_id, p.object_id],
      [T.category, p.category],
      [T.state, p.state_label, "state-" + p.state],
      [T.owner, p.owner],
      [T.maintainer, p.maintainer],
      [T.grid, p.grid],
      [T.location_note, p.location_note],
    ]));
  }

  // Open cases (only when the page offers the layer: cases/maplayer.py decides which).
  var cases = cfg.casesLayer ? L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 40,
    disableClusteringAtZoom: 17,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var late = cluster.getAllChildMarkers().some(function (m) { return m.options.jxOverdue; });
      var size = n < 10 ? 26 : n < 100 ? 32 : 38;
      return L.divIcon({ html: "<span>" + n + "</span>", className: "jx-cluster jx-cluster--cases" + (late ? " is-late" : ""), iconSize: [size, size] });
    },
  }) : null;
  function caseMarker(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var dot = document.createElement("span");
    dot.className = "jx-case-dot" + (p.overdue ? " is-late" : "");
    var icon = L.divIcon({ className: "", html: dot, iconSize: [16, 16] });
    var html = popupHtml(p.number, [
      [T.case_category, p.category],
      [T.case_status, p.status_label],
      [T.case_overdue, p.overdue ? T.case_overdue : ""],
      [T.address, p.address],
    ]) + '<p class="jx-popup__go"><a href="' + esc(p.url) + '">' + esc(T.case_open) + " →</a></p>";
    return L.marker([c[1], c[0]], { icon: icon, title: p.number, jxOverdue: p.overdue }).bindPopup(html);
  }

  var overlays = {};
  overlays[T.townships] = townships;
  overlays[T.communities] = communities;
  overlays[T.grids] = grids;
  overlays[T.segments] = segments;
  overlays[T.components] = components;
  if (cases) overlays[T.cases] = cases;
  L.control.layers(null, overlays, { collapsed: window.innerWidth < 700, position: "topright" }).addTo(map);

  // --- legend and hints ----------------------------------------------------
  var hintEl;
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "maplegend");
    div.innerHTML =
      "<h4>" + esc(T.legend) + "</h4>" +
      '<div><i class="maplegend__township"></i>' + esc(T.townships) + "</div>" +
      '<div><i class="maplegend__community"></i>' + esc(T.communities) + "</div>" +
      '<div><i class="maplegend__grid"></i>' + esc(T.grids) + "</div>" +
      '<div><i class="maplegend__segment"></i>' + esc(T.segments) + "</div>" +
      '<div><i class="maplegend__component"></i>' + esc(T.components) + "</div>" +
      (cases ? '<div><i class="maplegend__case"></i>' + esc(T.cases) + "</div>" : "") +
      '<div class="hint"></div>';
    hintEl = div.querySelector(".hint");
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  var hints = {};
  function setHint(key, message) {
    if (message) hints[key] = message; else delete hints[key];
    hintEl.innerHTML = Object.keys(hints).map(function (k) { return "<div>" + esc(hints[k]) + "</div>"; }).join("");
  }

  // --- loading -------------------------------------------------------------
  function markLoaded(layer, count) {
    el.setAttribute("data-loaded-" + layer, String(count));
  }
  function loadWhole(layer, group, after) {
    getJSON(layerUrl(layer))
      .then(function (fc) {
        group.clearLayers();
        group.addData(fc);
        markLoaded(layer, fc.features.length);
        setHint(layer, fc.truncated ? T.truncated : "");
        if (after) after(fc);
      })
      .catch(function (err) { setHint(layer, T.load_failed + "：" + err.message); });
  }

  var pending = {};
  function loadByView(layer, group, minZoom, fill) {
    if (pending[layer]) pending[layer].abort();
    if (!map.hasLayer(group)) { setHint(layer, ""); return; }
    if (map.getZoom() < minZoom) {
      group.clearLayers();
      setHint(layer, T[layer + "_hint"]);
      return;
    }
    var controller = window.AbortController ? new AbortController() : null;
    pending[layer] = controller;
    getJSON(layerUrl(layer, viewBbox(0.2)), controller && controller.signal)
      .then(function (fc) {
        group.clearLayers();
        fill(fc);
        markLoaded(layer, fc.features.length);
        setHint(layer, fc.truncated ? T.truncated : "");
      })
      .catch(function (err) {
        if (err.name !== "AbortError") setHint(layer, T.load_failed + "：" + err.message);
      });
  }
  function refreshGrids() {
    loadByView("grids", grids, GRID_MIN_ZOOM, function (fc) { grids.addData(fc); });
  }
  function refreshComponents() {
    loadByView("components", components, COMPONENT_MIN_ZOOM, function (fc) {
      components.addLayers(fc.features.map(componentMarker));
    });
  }

  function refreshCases() {
    if (!cases) return;
    loadByView("cases", cases, 0, function (fc) {
      cases.addLayers(fc.features.map(caseMarker));
    });
  }

  var communitiesLoaded = false;
  map.on("overlayadd", function (e) {
    if (e.layer === grids) refreshGrids();
    if (e.layer === components) refreshComponents();
    if (e.layer === cases) refreshCases();
    if (e.layer === communities && !communitiesLoaded) {
      communitiesLoaded = true;
      loadWhole("communities", communities);
    }
  });
  map.on("overlayremove", function (e) {
    if (e.layer === grids) setHint("grids", "");
    if (e.layer === components) setHint("components", "");
    if (cases && e.layer === cases) setHint("cases", "");
  });
  map.on("moveend", function () {
    refreshGrids();
    refreshComponents();
    refreshCases();
  });

  townships.addTo(map);
  grids.addTo(map);
  segments.addTo(map);
  components.addTo(map);
  if (cases) cases.addTo(map);
  var userMoved = false;
  map.once("dragstart zoomstart", function () { userMoved = true; });
  loadWhole("townships", townships, function (fc) {
    if (fc.features.length && !userMoved) map.fitBounds(townships.getBounds(), { padding: [24, 24] });
    else { refreshGrids(); refreshComponents(); refreshCases(); }
  });
  loadWhole("segments", segments);

  // --- what is here --------------------------------------------------------
  var PROPS = {
    township: function (p) {
      return [p.name, [[T.code, p.code], [T.kind, p.kind], [T.unit, p.unit], [T.communities_count, p.communities]]];
    },
    community: function (p) {
      return [p.name, [[T.code, p.code], [T.kind, p.kind], [T.township, p.township], [T.grids_count, p.grids]]];
    },
    grid: function (p) {
      return [T.grid + " " + p.code, [[T.community, p.community], [T.township, p.township], [T.area_class, p.area_class], [T.area, Number(p.area_m2).toLocaleString() + " " + T.square_meters]]];
    },
  };
  // The responsibility answer's fields, under either a plain key or a *_name / *_code / *_label one.
  var RESPONSIBILITY_FIELDS = [
    ["township", ["township", "township_name"]],
    ["community", ["community", "community_name"]],
    ["grid", ["grid", "grid_code"]],
    ["segment", ["segment", "segment_label"]],
    ["road", ["road", "road_name"]],
    ["road_chiefs", ["road_chiefs", "chiefs"]],
    ["responsible_unit", ["unit", "unit_name"]],
  ];
  function chiefText(c) {
    // A chief as [user_id, name, level, phone] or as an object.
    if (Array.isArray(c)) {
      var level = T["level_" + c[2]] || c[2] || "";
      return c[1] + (level ? "（" + level + "）" : "") + (c[3] ? " " + c[3] : "");
    }
    if (c && typeof c === "object" && c.level && T["level_" + c.level]) {
      return text(Object.assign({}, c, { level: T["level_" + c.level] }));
    }
    return text(c);
  }
  function responsibilityRows(answer) {
    var rows = [];
    RESPONSIBILITY_FIELDS.forEach(function (f) {
      for (var i = 0; i < f[1].length; i++) {
        var v = answer[f[1][i]];
        if (v === undefined) continue;
        if (f[0] === "road_chiefs") v = (v || []).map(chiefText).join("、");
        if (f[0] === "responsible_unit" && !text(v)) return;
        rows.push([T[f[0]], text(v) || T.none]);
        return;
      }
    });
    return rows;
  }

  function whatIsHere(latlng, title) {
    var local = clicked;
    clicked = null;
    var head = title || T.here;
    var rows = [[T.lnglat, latlng.lng.toFixed(6) + ", " + latlng.lat.toFixed(6)]];
    var extra = "";
    if (local && PROPS[local.kind]) {
      var pr = PROPS[local.kind](local.p);
      extra = popupHtml(pr[0], pr[1]);
    }
    var popup = L.popup({ maxWidth: 320 }).setLatLng(latlng);
    function render(more) {
      popup.setContent(popupHtml(head, rows.concat(more || [])) + extra);
    }
    render([[T.address, T.loading]]);
    popup.openOn(map);
    if (!cfg.describeUrl && !cfg.responsibilityUrl) { render(); return; }
    var qs = "?lng=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
    var answers = [
      cfg.describeUrl ? getJSON(cfg.describeUrl + qs).catch(function (e) { return { _error: e.message }; }) : Promise.resolve({}),
      cfg.responsibilityUrl ? getJSON(cfg.responsibilityUrl + qs).catch(function (e) { return { _error: e.message }; }) : Promise.resolve({}),
    ];
    Promise.all(answers).then(function (res) {
      var described = res[0];
      var answer = res[1];
      var more = [];
      var address = described.text || described.address;
      if (address) more.push([T.address, address]);
      else if (described._error) more.push([T.address, described._error]);
      if (answer._error) {
        more.push([T.township, answer._error]);
      } else {
        more = more.concat(responsibilityRows(answer));
      }
      render(more);
    });
  }
  map.on("click", function (e) { whatIsHere(e.latlng); });

  // --- search --------------------------------------------------------------
  var form = document.querySelector(".mapsearch__form");
  var results = document.querySelector(".mapsearch__results");
  var searchMarker = null;
  function note(message, isError) {
    results.innerHTML = '<li class="note' + (isError ? " note--error" : "") + '">' + esc(message) + "</li>";
  }
  if (form && cfg.geocodeUrl) {
    L.DomEvent.disableClickPropagation(form.parentNode);
    L.DomEvent.disableScrollPropagation(form.parentNode);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = form.elements.q.value.trim();
      if (!q) { results.innerHTML = ""; return; }
      note(T.searching);
      getJSON(cfg.geocodeUrl + "?q=" + encodeURIComponent(q))
        .then(function (body) {
          var candidates = body.candidates || [];
          if (!candidates.length) { note(T.no_results); return; }
          results.innerHTML = "";
          candidates.forEach(function (c) {
            var li = document.createElement("li");
            var btn = document.createElement("button");
            btn.type = "button";
            btn.className = "mapsearch__candidate";
            btn.innerHTML = esc(c.label) + (c.kind ? '<span class="kind">' + esc(T["kind_" + c.kind] || c.kind) + "</span>" : "");
            btn.addEventListener("click", function () {
              var ll = L.latLng(c.lat, c.lng);
              if (searchMarker) map.removeLayer(searchMarker);
              searchMarker = L.marker(ll, { title: c.label }).addTo(map);
              results.innerHTML = "";
              map.flyTo(ll, Math.max(map.getZoom(), 17), { duration: 0.6 });
              map.once("moveend", function () { whatIsHere(ll, c.label); });
            });
            li.appendChild(btn);
            results.appendChild(li);
          });
        })
        .catch(function (err) { note(T.search_failed + "：" + err.message, true); });
    });
  }
})();
