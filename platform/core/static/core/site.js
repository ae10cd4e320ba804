/* Small progressive enhancements for every page; the site works without them. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
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
    // Escape closes the phone menu.
    var toggle = document.getElementById("nav-toggle");
    if (toggle) {
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && toggle.checked) { toggle.checked = false; toggle.focus(); }
      });
    }
  });
})();
