// The report's confirmation page: copy the tracking link to the clipboard.
(function () {
  var b = document.getElementById("copy-link");
  if (!b || !navigator.clipboard) { if (b) b.hidden = true; return; }
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(document.getElementById("tracking-link").href).then(function () {
      b.textContent = b.dataset.copied;
    });
  });
})();
