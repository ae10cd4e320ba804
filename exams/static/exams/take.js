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
  function markDirty(q) {
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
    if (!window.confirm(msg.confirmSubmit)) return;
    clearTimeout(timer);
    flush().then(finish);
  });
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(dirty).length && !finished) { flush(); e.preventDefault(); e.returnValue = ""; }
  });
  setStatus(cfg.lastSeq ? msg.restored : msg.ready, "ok");
  tick();
})();
