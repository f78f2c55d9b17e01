// Keyboard shortcuts for the review console. Typing in a field never triggers them.
(function () {
  function typing(e) {
    var tag = (e.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea";
  }
  function submit(id) { var f = document.getElementById(id); if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); } }
  function focus(id) { var el = document.getElementById(id); if (el) { el.focus(); } }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
  var at = 0;
  function select(i) {
    if (!rows.length) return;
    rows[at].classList.remove("selected");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector("dialog[open]")) return;  // the zoomed frame is open: Esc closes it first
    if (typing(e)) {
      if (e.key === "Escape") { e.target.blur(); }
      if (e.key === "Enter" && e.target.id === "reason") { submit("reject-form"); e.preventDefault(); }
      return;
    }
    var k = e.key;
    if (rows.length) {
      if (k === "j" || k === "ArrowDown") { select(at + 1); e.preventDefault(); return; }
      if (k === "k" || k === "ArrowUp") { select(at - 1); e.preventDefault(); return; }
      if (k === "Enter") { var f = rows[at].querySelector("form"); if (f) { f.submit(); } e.preventDefault(); return; }
    }
    if (k === "n") { submit("next-form"); e.preventDefault(); }
    else if (k === "c") { var ack = document.getElementById("ack"); if (ack && !ack.checked) { ack.focus(); } else { submit("confirm-form"); } e.preventDefault(); }
    else if (k === "r") { focus("reason"); e.preventDefault(); }
    else if (k === "p") { focus("plate-input"); e.preventDefault(); }
    else if (k === "e") { focus("escalate-note"); e.preventDefault(); }
    else if (k === "q") { window.location = "/review"; e.preventDefault(); }
  });
})();
