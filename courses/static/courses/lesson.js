// Lesson page: time on page, video progress and practice answers go to the server,
// which keeps the learner's position (resume on any device) and checks answers.
(function () {
  "use strict";
  var config = document.getElementById("lesson-config");
  if (!config) return;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var status = document.getElementById("lesson-status");

  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(data)
    }).then(function (r) { return r.json(); });
  }
  function markDone(result) {
    if (result && result.lesson_completed && status) {
      status.textContent = "✓ " + status.dataset.doneText;
      status.classList.add("done");
    }
  }

  // Time on page: a heartbeat every 30 s while the tab is visible. The server counts
  // its own clock's time since the last heartbeat; the seconds sent can only lower it.
  var last = Date.now();
  setInterval(function () {
    var now = Date.now();
    if (document.visibilityState === "visible") {
      post(config.dataset.heartbeat, {seconds: Math.round((now - last) / 1000)});
    }
    last = now;
  }, 30000);

  // Videos: resume at the server's position; report each stretch actually played.
  var positions = JSON.parse(document.getElementById("video-positions").textContent);
  document.querySelectorAll("video[data-video-block]").forEach(function (video) {
    var id = video.dataset.videoBlock;
    var bar = document.querySelector("[data-video-bar='" + id + "']");
    var label = document.querySelector("[data-video-label='" + id + "']");
    var segStart = null;
    function show(ratio) {
      if (bar) bar.style.width = Math.round(ratio * 100) + "%";
      if (label) label.textContent = config.dataset.textWatched + " " + Math.round(ratio * 100) + "%";
    }
    var saved = positions[id] || {position: 0, ratio: 0};
    show(saved.ratio);
    video.addEventListener("loadedmetadata", function () {
      if (saved.position && saved.position < video.duration - 1) video.currentTime = saved.position;
    });
    function report() {
      if (segStart === null || !video.duration) return;
      var end = video.currentTime;
      if (end > segStart) {
        post(config.dataset.video, {block_id: id, start: segStart, end: end, duration: video.duration})
          .then(function (r) { if (r.watched !== undefined) show(r.watched); markDone(r); });
      }
      segStart = end;
    }
    video.addEventListener("play", function () { segStart = video.currentTime; });
    video.addEventListener("timeupdate", function () {
      if (segStart !== null && !video.seeking && video.currentTime - segStart >= 5) report();
    });
    video.addEventListener("seeking", function () { segStart = null; });
    video.addEventListener("seeked", function () { if (!video.paused) segStart = video.currentTime; });
    video.addEventListener("pause", report);
    video.addEventListener("ended", report);
  });

  // Practice: the server checks the answer and only then says which was right.
  var passed = JSON.parse(document.getElementById("practice-passed").textContent);
  document.querySelectorAll("form[data-practice]").forEach(function (form) {
    var id = form.dataset.practice;
    var feedback = form.querySelector(".feedback");
    if (passed.indexOf(id) >= 0) {
      form.classList.add("passed");
      feedback.textContent = "✓ " + config.dataset.textPassed;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var choices = Array.prototype.map.call(form.querySelectorAll("input[name=choice]:checked"),
        function (input) { return parseInt(input.value, 10); });
      if (!choices.length) { feedback.textContent = config.dataset.textChoose; return; }
      post(config.dataset.practice.replace("BLOCK", id), {choices: choices}).then(function (r) {
        if (r.error) { feedback.textContent = r.error.message; return; }
        // After a wrong try the server sends the analysis, never the right option.
        feedback.className = "feedback " + (r.correct ? "right" : "wrong");
        feedback.textContent = (r.correct ? config.dataset.textCorrect : config.dataset.textWrong) +
          (r.explanation ? " " + r.explanation : "");
        if (r.correct) form.classList.add("passed");
        markDone(r);
      });
    });
  });
})();
