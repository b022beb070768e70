// The login page's demo accounts: a click on a username fills in the form.
document.querySelectorAll("[data-demo-user]").forEach(function (b) {
  b.addEventListener("click", function () {
    document.querySelector("input[name=username]").value = b.dataset.demoUser;
    document.querySelector("input[name=password]").value = b.dataset.demoPassword;
  });
});

// The inspector's round page is kept by its service worker (inspections/sw.js) so that it
// reloads without signal; it holds the inspector's name and route. Whoever reaches the
// login page (after a logout, or a session that ended) leaves no such copy behind on a
// shared phone. Work waiting to be sent stays in its IndexedDB outbox.
if ("caches" in window) {
  caches.keys().then(function (keys) {
    keys.forEach(function (k) {
      if (k.indexOf("jingxi-round-") === 0) caches.delete(k);
    });
  });
}
