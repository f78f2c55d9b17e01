// The review page's evidence: click a frame to see it at full resolution (drag or scroll to pan, Esc
// closes), toggle the overlay off to see the original frame ("o"), scrub the clip with the crossing
// frame marked on the scrubber.
(function () {
  var frames = Array.prototype.slice.call(document.querySelectorAll("img.frame"));
  var zoom = document.getElementById("zoom");
  var pan = document.getElementById("zoom-pan");
  var zoomImg = document.getElementById("zoom-img");
  var toggle = document.getElementById("overlay-toggle");

  frames.forEach(function (img) {
    img.addEventListener("click", function (e) {
      var fx = e.offsetX / img.clientWidth, fy = e.offsetY / img.clientHeight;
      zoomImg.onload = function () {  // centre the clicked point
        pan.scrollLeft = fx * zoomImg.naturalWidth - pan.clientWidth / 2;
        pan.scrollTop = fy * zoomImg.naturalHeight - pan.clientHeight / 2;
      };
      zoomImg.src = img.getAttribute("src");
      zoom.showModal();
    });
  });
  if (pan) {
    var drag = null;
    pan.addEventListener("pointerdown", function (e) {
      drag = {x: e.clientX, y: e.clientY, left: pan.scrollLeft, top: pan.scrollTop};
      pan.classList.add("dragging");
      pan.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    pan.addEventListener("pointermove", function (e) {
      if (!drag) return;
      pan.scrollLeft = drag.left - (e.clientX - drag.x);
      pan.scrollTop = drag.top - (e.clientY - drag.y);
    });
    var stop = function () { drag = null; pan.classList.remove("dragging"); };
    pan.addEventListener("pointerup", stop);
    pan.addEventListener("pointercancel", stop);
  }

  function switchOverlay() {
    if (!toggle) return;
    var on = toggle.getAttribute("aria-pressed") !== "true";
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    frames.forEach(function (img) {
      var src = img.dataset[on ? "overlay" : "original"];
      if (src) img.src = src;
    });
  }
  if (toggle) toggle.addEventListener("click", switchOverlay);
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "input" || tag === "select" || tag === "textarea") return;
    if (e.key === "o" && !(zoom && zoom.open)) { switchOverlay(); e.preventDefault(); }
  });

  var video = document.getElementById("clip");
  var scrub = document.getElementById("scrubber");
  var mark = document.getElementById("crossing-mark");
  if (!video || !scrub) return;
  function duration() {
    if (isFinite(video.duration)) return video.duration;
    return video.seekable.length ? video.seekable.end(0) : 0;
  }
  function place() {
    var d = duration();
    scrub.max = String(d);
    if (mark && d > 0) {
      var at = Math.min(parseFloat(mark.dataset.at), d);
      mark.style.left = "calc(8px + (100% - 16px) * " + at / d + ")";
    }
  }
  video.addEventListener("loadedmetadata", place);
  video.addEventListener("durationchange", place);
  if (video.readyState >= 1) place();
  scrub.addEventListener("input", function () { video.pause(); video.currentTime = parseFloat(scrub.value); });
  video.addEventListener("timeupdate", function () { scrub.value = String(video.currentTime); });
  if (mark) {
    mark.addEventListener("click", function () {
      video.pause();
      video.currentTime = parseFloat(mark.dataset.at);
      scrub.value = mark.dataset.at;
    });
  }
})();
