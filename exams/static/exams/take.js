/* The attempt page: server-clock countdown, debounced autosave with sequence numbers,
   visible saved state, auto-submit at the deadline. Answers are sent as the display
   letters of this attempt's shuffle; the server maps them back. */
(function () {
  "use strict";
  var root = document.getElementById("exam-take");
  if (!root) return;
  var cfg = JSON.parse(document.getElementById("exam-config").textContent);
  var msg = JSON.parse(document.getElementById("exam-messages").textContent);
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusEl = document.getElementById("save-status");
  var clockEl = document.getElementById("exam-clock");
  var offset = cfg.serverNow - Date.now();   // server clock minus ours
  var lastSeq = cfg.lastSeq;
  var dirty = {};
  var timer = null, inflight = false, finished = false, closed = false;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "save-status " + (kind || "");
  }
  function collect(q) {
    var order = q.getAttribute("data-order"), type = q.getAttribute("data-shape");
    if (type === "blanks") {
      return Array.prototype.map.call(q.querySelectorAll("input[data-blank]"), function (i) { return i.value; });
    }
    if (type === "parts") {
      var out = {};
      q.querySelectorAll("[data-part]").forEach(function (p) {
        var key = p.getAttribute("data-part");
        var ta = p.querySelector("textarea");
        if (ta) { out[key] = ta.value; return; }
        out[key] = Array.prototype.map.call(p.querySelectorAll("input:checked"), function (i) { return i.value; });
      });
      return out;
    }
    return Array.prototype.map.call(q.querySelectorAll("input[name=q" + order + "]:checked"), function (i) { return i.value; });
  }
  // The question palette (Moodle's quiz navigation): answered / unanswered / flagged,
  // jump to any question, arrow keys between entries, and a summary before submit.
  // Flags are a note to oneself, kept with the attempt on the server (cfg.flagged, then
  // one small POST per change), so they survive a reload or a change of device.
  var palette = document.getElementById("exam-palette");
  var items = palette ? Array.prototype.slice.call(palette.querySelectorAll("[data-goto]")) : [];
  var toggle = document.getElementById("palette-toggle");
  var flags = {};
  (cfg.flagged || []).forEach(function (o) { flags[String(o)] = 1; });
  function isAnswered(value) {
    if (value === null || value === undefined) return false;
    if (Array.isArray(value)) return value.some(function (v) { return String(v).trim() !== ""; });
    if (typeof value === "object") return Object.keys(value).some(function (k) { return isAnswered(value[k]); });
    return String(value).trim() !== "";
  }
  function question(order) { return document.getElementById("q" + order); }
  function paletteItem(order) { return palette && palette.querySelector("[data-goto='" + order + "']"); }
  function answeredOrders() {
    return items.map(function (i) { return i.getAttribute("data-goto"); })
      .filter(function (o) { var q = question(o); return q && isAnswered(collect(q)); });
  }
  function refreshPalette() {
    var answered = answeredOrders();
    items.forEach(function (item) {
      var order = item.getAttribute("data-goto");
      var done = answered.indexOf(order) >= 0;
      item.setAttribute("data-state", done ? "answered" : "unanswered");
      item.setAttribute("data-flagged", flags[order] ? "1" : "0");
      var label = item.querySelector(".pal-state");
      if (label) label.textContent = (done ? msg.answered : msg.unanswered) + (flags[order] ? "，" + msg.flagged : "");
    });
    document.querySelectorAll("[data-palette-count]").forEach(function (el) {
      el.textContent = answered.length + " / " + items.length;
    });
  }
  function saveFlag(order, on) {
    if (!cfg.flagUrl || closed) return;
    fetch(cfg.flagUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({order: Number(order), flagged: !!on})
    }).then(function (r) {
      if (!r.ok) setStatus(msg.failed, "error");
    }).catch(function () { setStatus(msg.offline, "error"); });
  }
  function setFlag(q, on, quiet) {
    var order = q.getAttribute("data-order");
    if (on) flags[order] = 1; else delete flags[order];
    if (!quiet) saveFlag(order, on);
    var b = q.querySelector(".flag-btn");
    if (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.lastChild.textContent = " " + (on ? msg.unflag : msg.flag);
    }
    q.classList.toggle("flagged", !!on);
    refreshPalette();
  }
  function addFlagButton(q) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "flag-btn";
    var icon = document.querySelector(".exam-time .icon");
    if (icon) {
      var svg = icon.cloneNode(true);
      svg.querySelector("use").setAttribute("href", icon.querySelector("use").getAttribute("href").replace(/#.*$/, "#flag"));
      b.appendChild(svg);
    }
    b.appendChild(document.createTextNode(" " + msg.flag));
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", function () { setFlag(q, !flags[q.getAttribute("data-order")]); });
    var head = q.firstElementChild;
    (head || q).appendChild(b);
    if (flags[q.getAttribute("data-order")]) setFlag(q, true, true);
  }
  var jumpedAt = 0;
  function setCurrent(order) {
    items.forEach(function (i) {
      var here = i.getAttribute("data-goto") === String(order);
      if (here) i.setAttribute("aria-current", "true"); else i.removeAttribute("aria-current");
    });
  }
  function openPalette(open) {
    if (!palette || !toggle) return;
    palette.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function goTo(order) {
    var q = question(order);
    if (!q) return;
    openPalette(false);
    q.setAttribute("tabindex", "-1");
    q.scrollIntoView({block: "start"});
    q.focus({preventScroll: true});
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#q" + order);
    jumpedAt = Date.now();  // the last questions cannot scroll to the top: keep the chosen one current
    setCurrent(order);
  }
  function roving(item, index) {
    items.forEach(function (i) { i.setAttribute("tabindex", "-1"); });
    item.setAttribute("tabindex", "0");
    item.focus();
  }
  items.forEach(function (item, index) {
    item.addEventListener("click", function (e) { e.preventDefault(); goTo(item.getAttribute("data-goto")); });
    item.addEventListener("keydown", function (e) {
      var next = null;
      if (e.key === "ArrowRight" || e.key === "ArrowDown") next = items[Math.min(index + 1, items.length - 1)];
      else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = items[Math.max(index - 1, 0)];
      else if (e.key === "Home") next = items[0];
      else if (e.key === "End") next = items[items.length - 1];
      if (next) { e.preventDefault(); roving(next); }
    });
  });
  if (toggle) toggle.addEventListener("click", function () { openPalette(!palette.classList.contains("open")); });
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      if (Date.now() - jumpedAt < 1500) return;
      entries.forEach(function (en) { if (en.isIntersecting) setCurrent(en.target.getAttribute("data-order")); });
    }, {rootMargin: "-30% 0px -60% 0px"});
    root.querySelectorAll(".question").forEach(function (q) { seen.observe(q); });
  }
  var dialog = document.getElementById("submit-summary");
  function fillList(el, orders) {
    el.textContent = "";
    orders.forEach(function (o) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "linkish"; b.setAttribute("data-goto", o); b.textContent = o;
      b.addEventListener("click", function () { closeSummary(); goTo(o); });
      el.appendChild(b);
    });
  }
  function closeSummary() { if (dialog.open) dialog.close(); }
  function openSummary() {
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(msg.confirmSubmit)) { clearTimeout(timer); flush().then(finish); }
      return;
    }
    var answered = answeredOrders();
    var all = items.map(function (i) { return i.getAttribute("data-goto"); });
    var open = all.filter(function (o) { return answered.indexOf(o) < 0; });
    var flagged = all.filter(function (o) { return flags[o]; });
    document.getElementById("summary-answered").textContent = answered.length + " / " + all.length;
    document.getElementById("summary-unanswered").textContent = open.length || msg.none;
    document.getElementById("summary-flagged").textContent = flagged.length || msg.none;
    fillList(document.getElementById("summary-unanswered-list"), open);
    fillList(document.getElementById("summary-flagged-list"), flagged);
    dialog.showModal();
  }
  if (dialog) {
    document.getElementById("return-to-attempt").addEventListener("click", closeSummary);
    document.getElementById("confirm-submit").addEventListener("click", function () {
      closeSummary(); clearTimeout(timer); flush().then(finish);
    });
    document.querySelectorAll("[data-open-summary]").forEach(function (b) {
      b.addEventListener("click", openSummary);
    });
  }

  function markDirty(q) {
    refreshPalette();
    if (closed) return;
    dirty[q.getAttribute("data-order")] = collect(q);
    setStatus(msg.unsaved, "pending");
    clearTimeout(timer);
    timer = setTimeout(flush, 800);
  }
  function flush() {
    if (inflight || closed) return Promise.resolve();
    var keys = Object.keys(dirty);
    if (!keys.length) return Promise.resolve();
    var batch = dirty; dirty = {};
    inflight = true;
    var seq = lastSeq + 1;
    setStatus(msg.saving, "pending");
    return fetch(cfg.saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({seq: seq, answers: batch})
    }).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data}; });
    }).then(function (res) {
      inflight = false;
      if (res.status === 200) {
        lastSeq = res.data.seq;
        offset = res.data.server_now - Date.now();
        var t = new Date(res.data.saved_at);
        setStatus(msg.saved + " " + t.toLocaleTimeString(), "ok");
        if (Object.keys(dirty).length) flush();
        return;
      }
      var err = (res.data && res.data.error) || {};
      if (err.code === "stale") {          // another tab or device saved meanwhile
        lastSeq = (err.details && err.details.last_seq) || lastSeq + 1;
        for (var k in batch) if (!(k in dirty)) dirty[k] = batch[k];
        return flush();
      }
      if (err.code === "deadline" || err.code === "submitted") {
        closed = true;
        setStatus(err.message, "error");
        finish();
        return;
      }
      for (var k2 in batch) if (!(k2 in dirty)) dirty[k2] = batch[k2];
      setStatus(err.message || msg.failed, "error");
    }).catch(function () {
      inflight = false;
      for (var k in batch) if (!(k in dirty)) dirty[k] = batch[k];
      setStatus(msg.offline, "error");
      clearTimeout(timer);
      timer = setTimeout(flush, 3000);
    });
  }
  function finish() {
    if (finished) return;
    finished = true;
    var go = function () { window.location.href = cfg.resultUrl; };
    fetch(cfg.submitUrl, {method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}}).then(go, go);
  }
  function tick() {
    var left = Math.max(0, Math.floor((cfg.deadline - (Date.now() + offset)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clockEl.textContent = (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    clockEl.classList.toggle("urgent", left < 300);
    if (left <= 0 && !finished) {
      setStatus(msg.timeUp, "error");
      clearTimeout(timer);
      // Inputs are closed and the last changes flushed; the submit itself waits a random
      // moment (cfg.submitSpreadMs) so a whole hall does not submit in the same second.
      lockAll();
      flush().then(function () {
        closed = true;
        setTimeout(finish, Math.random() * (cfg.submitSpreadMs || 0));
      });
      return;
    }
    setTimeout(tick, 500);
  }
  function lockAll() {
    document.querySelectorAll("[data-order] input, [data-order] textarea").forEach(function (i) {
      i.disabled = true;
    });
  }
  function lock(q) {
    q.setAttribute("data-checked", "1");
    q.querySelectorAll("input, textarea").forEach(function (i) { i.disabled = true; });
    var b = q.querySelector(".check-btn");
    if (b) b.remove();
  }
  function check(q) {
    // Practice: save what is pending first, then ask for this question's feedback.
    if (!cfg.checkUrl || !window.confirm(msg.confirmCheck)) return;
    var order = q.getAttribute("data-order");
    clearTimeout(timer);
    flush().then(function () {
      return fetch(cfg.checkUrl, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({order: Number(order)})});
    }).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data}; });
    }).then(function (res) {
      var box = document.getElementById("feedback-" + order);
      if (res.status === 200) {
        box.innerHTML = res.data.html;   // rendered and escaped by the server
        lock(q);
      } else {
        box.textContent = (res.data.error && res.data.error.message) || msg.failed;
      }
    }).catch(function () { setStatus(msg.offline, "error"); });
  }
  function restore(q, value) {
    // The inverse of collect(): the page is cached without answers (exams/paper.py).
    var order = q.getAttribute("data-order"), type = q.getAttribute("data-shape");
    var choose = function (inputs, letters) {
      inputs.forEach(function (i) { i.checked = letters.indexOf(i.value) >= 0; });
    };
    if (type === "blanks") {
      q.querySelectorAll("input[data-blank]").forEach(function (i) {
        i.value = value[Number(i.getAttribute("data-blank"))] || "";
      });
    } else if (type === "parts") {
      q.querySelectorAll("[data-part]").forEach(function (p) {
        var v = value[p.getAttribute("data-part")];
        if (v === undefined || v === null) return;
        var ta = p.querySelector("textarea");
        if (ta) ta.value = v; else choose(p.querySelectorAll("input"), v);
      });
    } else {
      choose(q.querySelectorAll("input[name=q" + order + "]"), value);
    }
  }
  var saved = JSON.parse(document.getElementById("exam-answers").textContent);
  var feedback = JSON.parse(document.getElementById("exam-feedback").textContent);
  root.querySelectorAll(".question").forEach(function (q) {
    var order = q.getAttribute("data-order");
    if (saved[order] !== undefined) restore(q, saved[order]);
    if (feedback[order] !== undefined) {
      document.getElementById("feedback-" + order).innerHTML = feedback[order];  // rendered and escaped by the server
      lock(q);
    }
  });
  root.querySelectorAll(".check-btn").forEach(function (b) {
    b.addEventListener("click", function () { check(b.closest(".question")); });
  });
  root.querySelectorAll(".question").forEach(function (q) {
    q.addEventListener("change", function () { markDirty(q); });
    q.addEventListener("input", function (e) { if (e.target.matches("textarea, input[type=text]")) markDirty(q); });
  });
  document.getElementById("submit-form").addEventListener("submit", function (e) {
    e.preventDefault();
    openSummary();
  });
  root.querySelectorAll(".question").forEach(addFlagButton);
  refreshPalette();
  if (window.location.hash && /^#q\d+$/.test(window.location.hash)) setCurrent(window.location.hash.slice(2));
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(dirty).length && !finished) { flush(); e.preventDefault(); e.returnValue = ""; }
  });
  setStatus(cfg.lastSeq ? msg.restored : msg.ready, "ok");
  tick();
})();
