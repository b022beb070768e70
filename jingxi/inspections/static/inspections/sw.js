/* The round page's service worker (served at /inspections/sw.js, scope /inspections/).
 *
 * It keeps the round page and the assets the page names (its data-assets: Leaflet, the
 * page's JS and CSS) in the Cache API, so that the page reloads without signal. Network
 * first: with signal the page is always fresh (its CSRF token, today's route); without,
 * the last copy answers. Writes (POST) and the API are never touched: the page's outbox
 * (outbox.js) queues those in IndexedDB itself.
 */
"use strict";

var CACHE = "jingxi-round-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("jingxi-round-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

/* The page names what to keep: {type: "cache", urls: [...]}, all same-origin. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.map(function (url) {
      var target = new URL(url, self.location.origin);
      if (target.origin !== self.location.origin) return null;
      return fetch(target.href, { credentials: "same-origin" }).then(function (r) {
        if (r.ok && !r.redirected) return cache.put(target.href, r);
      }).catch(function () { /* kept from the next visit with signal */ });
    }));
  }));
});

function kept(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request.url).then(function (hit) { return { cache: cache, hit: hit }; });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  event.respondWith(kept(request).then(function (k) {
    // Only what the page asked to keep is handled: everything else goes to the network.
    if (!k.hit) return fetch(request);
    return fetch(request).then(function (r) {
      if (r.ok && !r.redirected) k.cache.put(request.url, r.clone());
      return r;
    }).catch(function () { return k.hit; });
  }));
});
