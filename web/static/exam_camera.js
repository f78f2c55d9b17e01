// Live frames for a check-in from the browser camera: the frames the liveness check needs (front, turn
// left, turn right), each captured on its prompt as a JPEG file put into the form's "frames" file input
// (the form then sends camera frames and chosen files alike). No camera (or no permission): choosing
// files in that input stays the way in. window.tvpCamera (open, grab) serves other pages too: the
// candidate's exam page re-verifies from single frames of the same camera.
(function () {
  "use strict";

  function available() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }
  function open(video) {
    // Resolves once the video shows the stream; rejects when there is no camera or no permission.
    if (!available()) return Promise.reject(new Error("no camera"));
    return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return stream;
    });
  }
  function grab(video) {
    // The video's current picture as a JPEG Blob.
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.92); });
  }
  function stop(video) {
    if (video.srcObject) video.srcObject.getTracks().forEach(function (track) { track.stop(); });
    video.hidden = true;
  }
  window.tvpCamera = { available: available, open: open, grab: grab, stop: stop };

  var prompt = document.getElementById("camera-prompt");
  var video = document.getElementById("camera-video");
  var start = document.getElementById("camera-start");
  var capture = document.getElementById("camera-capture");
  var input = document.getElementById("frames");
  if (!prompt || !video || !start || !capture || !input) return;
  var prompts = prompt.dataset.prompts.split("|");
  var shots = new DataTransfer();
  var taken = 0;

  function unavailable() {
    prompt.textContent = prompt.dataset.unavailable;
    prompt.dataset.state = "unavailable";
    start.hidden = true;
  }
  if (!available()) { unavailable(); return; }

  start.addEventListener("click", function () {
    open(video).then(function () {
      start.hidden = true;
      capture.hidden = false;
      prompt.textContent = prompts[0];
      prompt.dataset.state = "0";
    }, unavailable);
  });

  capture.addEventListener("click", function () {
    grab(video).then(function (blob) {
      shots.items.add(new File([blob], "camera-" + taken + ".jpg", { type: "image/jpeg" }));
      input.files = shots.files;
      next();
    });
  });

  function next() {
    taken += 1;
    if (taken < prompts.length) {
      prompt.textContent = prompts[taken];
      prompt.dataset.state = String(taken);
      return;
    }
    prompt.textContent = prompt.dataset.done;
    prompt.dataset.state = "done";
    capture.hidden = true;
    stop(video);
  }
})();
