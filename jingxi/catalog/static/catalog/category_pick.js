/* The report forms' category picker, shared by the citizens' page and the staff's:
 * search the active categories by name, major category, keyword or code, and take a
 * suggestion from the description's words. One picker per page, in [data-category-pick]:
 *   data-items          the id of the json_script holding catalog.selectors.category_pick_items
 *   data-suggest-url    answers ?q=<description> with {suggestions: [{id, name}]}
 *   data-none-text, data-change-text   the picker's words, in the page's language
 * It holds the form's category field: a hidden input, or a select (the page without
 * script), which the picker hides while it shows its own controls ([data-pick-ui]).
 * A "category:choose" event on the box (detail: a category id) chooses that category. */
(function () {
  "use strict";

  var box = document.querySelector("[data-category-pick]");
  if (!box) return;
  var d = box.dataset;
  var CATEGORIES = JSON.parse(document.getElementById(d.items).textContent);
  var field = box.querySelector("[name=category]");
  var form = field.form;
  var chosen = document.getElementById("category-chosen");
  var cq = document.getElementById("category-q");
  var cresults = document.getElementById("category-results");
  var suggestBox = document.getElementById("category-suggest-box");
  var suggestChips = document.getElementById("category-suggest");
  var description = form.querySelector("textarea[name=description]");
  var byId = {};
  CATEGORIES.forEach(function (c) { byId[String(c.id)] = c; });

  if (field.tagName === "SELECT") field.hidden = true;
  Array.prototype.forEach.call(box.querySelectorAll("[data-pick-ui]"), function (el) { el.hidden = false; });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function choose(id) {
    var c = byId[String(id)];
    chosen.innerHTML = "";
    delete chosen.dataset.category;
    if (!c) { field.value = ""; return; }
    field.value = String(c.id);
    var label = el("span");
    label.appendChild(el("strong", "", c.name));
    label.appendChild(el("span", "muted small", " · " + c.major));
    var change = el("button", "btn btn--small", d.changeText);
    change.type = "button";
    change.addEventListener("click", function () { choose(null); cq.focus(); });
    chosen.appendChild(label);
    chosen.appendChild(change);
    chosen.dataset.category = String(c.id);
    cresults.innerHTML = "";
    cq.value = "";
    Array.prototype.forEach.call(suggestChips.children, function (chip) {
      chip.setAttribute("aria-pressed", chip.dataset.category === String(c.id) ? "true" : "false");
    });
  }
  if (field.value) choose(field.value);
  // Another script may choose for the user (the round page's checklist):
  //   box.dispatchEvent(new CustomEvent("category:choose", {detail: id}))
  box.addEventListener("category:choose", function (e) { choose(e.detail); });

  function search() {
    var text = cq.value.trim().toLowerCase();
    cresults.innerHTML = "";
    if (!text) return;
    var hits = CATEGORIES.filter(function (c) {
      return (c.name + " " + c.major + " " + c.keywords + " " + c.code).toLowerCase().indexOf(text) >= 0;
    }).slice(0, 10);
    if (!hits.length) {
      cresults.appendChild(el("li", "choice__empty", d.noneText));
      return;
    }
    hits.forEach(function (c) {
      var li = el("li");
      var b = el("button", "category-choice");
      b.type = "button";
      b.dataset.category = String(c.id);
      b.appendChild(document.createTextNode(c.name));
      b.appendChild(el("span", "choice__sub", c.kind + " · " + c.major));
      b.addEventListener("click", function () { choose(c.id); });
      li.appendChild(b);
      cresults.appendChild(li);
    });
  }
  cq.addEventListener("input", search);
  cq.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });

  // Suggestions from the description, half a second after the typing stops.
  var timer = null;
  var lastAsked = "";
  function suggest() {
    var text = description.value.trim();
    if (text.length < 2 || text === lastAsked) return;
    lastAsked = text;
    fetch(d.suggestUrl + "?q=" + encodeURIComponent(text.slice(0, 300)), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (r) {
      if (!r.ok) throw new Error(r.statusText);
      return r.json();
    }).then(function (r) {
      suggestChips.innerHTML = "";
      suggestBox.hidden = !r.suggestions.length;
      r.suggestions.forEach(function (s, i) {
        var chip = el("button", "chip" + (i === 0 ? " is-suggested" : ""), s.name);
        chip.type = "button";
        chip.dataset.category = String(s.id);
        chip.setAttribute("aria-pressed", field.value === String(s.id) ? "true" : "false");
        chip.addEventListener("click", function () { choose(s.id); });
        suggestChips.appendChild(chip);
      });
    }).catch(function () { /* suggestions are a help only */ });
  }
  if (description) {
    description.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 500);
    });
    if (description.value) suggest();
  }
})();
