// Live frames for a check-in from the browser camera: the frames the liveness check needs (front, turn
// left, turn right), each captured on its prompt as a JPEG file put into the form's "frames" file input
// (the form then sends camera frames and chosen files alike). No camera (or no permission): choosing
// files in that input stays the way in.
(function () {
  "use strict";
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
    start.hidden = true;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { unavailable(); return; }

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      start.hidden = true;
      capture.hidden = false;
      prompt.textContent = prompts[0];
    }, unavailable);
  });

  capture.addEventListener("click", function () {
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      shots.items.add(new File([blob], "camera-" + taken + ".jpg", { type: "image/jpeg" }));
      input.files = shots.files;
      next();
    }, "image/jpeg", 0.92);
  });

  function next() {
    taken += 1;
    if (taken < prompts.length) { prompt.textContent = prompts[taken]; return; }
    prompt.textContent = prompt.dataset.done;
    capture.hidden = true;
    video.srcObject.getTracks().forEach(function (track) { track.stop(); });
    video.hidden = true;
  }
})();
