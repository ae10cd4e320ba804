/* Small progressive enhancements for every page; the site works without them. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  document.documentElement.classList.add("js");
  ready(function () {
    // A table wider than a phone scrolls in its own box, not the whole page.
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-wrap")) { return; }
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
    // Dates, numbers and short words are not broken over two lines in a narrow column.
    var compact = /^[\d\s.,:%\/+\-–~()]+$/;
    document.querySelectorAll(".table-wrap td").forEach(function (cell) {
      var text = cell.textContent.trim();
      if (text && text.length <= 24 && (compact.test(text) || text.length <= 4)) { cell.classList.add("nowrap"); }
    });
    // A box that scrolls sideways can be scrolled with the keyboard too.
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1 && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
      }
    });
    // Drawers (search facets on a phone): a button with aria-controls opens the
    // [data-drawer] it names; its close button, Escape or a chosen link closes it.
    document.querySelectorAll("[data-drawer]").forEach(function (drawer) {
      var openers = document.querySelectorAll("[aria-controls='" + drawer.id + "']");
      function setOpen(open) {
        drawer.classList.toggle("open", open);
        document.body.classList.toggle("drawer-open", open);
        openers.forEach(function (b) { b.setAttribute("aria-expanded", open ? "true" : "false"); });
        if (open) { var first = drawer.querySelector("a, button"); if (first) { first.focus(); } }
      }
      openers.forEach(function (b) { b.addEventListener("click", function () { setOpen(!drawer.classList.contains("open")); }); });
      drawer.querySelectorAll("[data-drawer-close]").forEach(function (b) { b.addEventListener("click", function () { setOpen(false); }); });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && drawer.classList.contains("open")) { setOpen(false); if (openers[0]) { openers[0].focus(); } }
      });
    });
    // "Select all" boxes: <input data-select-all="name"> ticks every box of that name in its form.
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      all.addEventListener("change", function () {
        all.form.querySelectorAll("input[name='" + all.getAttribute("data-select-all") + "']").forEach(function (box) { box.checked = all.checked; });
      });
    });
    // A select that changes the listing at once (sort order).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // Escape closes the phone menu.
    var toggle = document.getElementById("nav-toggle");
    if (toggle) {
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && toggle.checked) { toggle.checked = false; toggle.focus(); }
      });
    }
  });
})();

/* A select marked data-autosubmit sends its form when changed (the language and year
   pickers). In this file, not an onchange attribute: the site's CSP allows no inline
   script (docs/security.md). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
})();
