// The citizen's answers to a notice (acknowledge and sign, name the driver, dispute with pictures) and
// the nominations naming me (accept / refuse). Only what the API's `actions` allows is shown; the
// API's errors are shown in the citizen's words (tvpCitizen.showApiError).
(function () {
  "use strict";
  const { config, T, $, el, money, localTime, api, showInfo, showApiError, live, isNotice, loadNotice, pages } =
    window.tvpCitizen;

  // -- one notice: the answers

  async function showAcknowledgement(base) {
    const resp = await api(base + "/acknowledgement");
    if (!resp.ok) return showApiError(resp);
    const check = await resp.json();
    $("ack-signed-at").textContent = localTime(check.acknowledgement.signed_at);
    const valid = $("ack-valid");
    valid.textContent = check.valid ? T.signature_ok : `${T.signature_bad}: ${check.problems.join("; ")}`;
    valid.className = check.valid ? "ok" : "bad";
    $("ack-result").hidden = false;
  }

  const DISPUTE_STATUS = { open: "dispute_open", upheld: "dispute_upheld", cancelled: "dispute_cancelled", amended: "dispute_amended" };

  function disputeItem(d) {
    const item = el(
      "li",
      { "data-dispute-id": d.id, "data-status": d.status },
      el("div", {}, el("span", { class: "status" }, T[DISPUTE_STATUS[d.status]] || d.status)),
      el("div", { class: "muted" }, `${localTime(d.opened_at)} · ${T.files_n.replace("{n}", d.attachments.length)}`),
      el("p", { class: "dispute-text" }, d.text)
    );
    if (d.reason) item.append(el("p", { class: "reason" }, `${T.reason}: ${d.reason}`));
    if (d.status === "amended" && d.amount_after_vnd) item.append(el("p", {}, `${T.fine}: ${money(d.amount_after_vnd)}`));
    return item;
  }

  async function showDisputes(base) {
    const resp = await api(base + "/disputes");
    if (!resp.ok) return;
    const items = await resp.json();
    $("dispute-list").replaceChildren(...items.map(disputeItem));
    $("disputes").hidden = !items.length;
  }

  async function refresh() {
    const n = await loadNotice();
    if (!n) return;
    const can = n.actions;
    const base = `${config.api}/notices/${n.id}`;
    $("ack").hidden = !can.acknowledge;
    $("ack-confirm").hidden = true;
    $("ack-start").hidden = false;
    $("must-nominate").hidden = !can.must_nominate;
    $("awaiting-driver").hidden = !can.awaiting_driver;
    $("nominate-form").hidden = !can.nominate;
    $("dispute-form").hidden = !can.dispute;
    // What is signed: shown before signing, exactly as the server will put it in the document.
    $("ack-number").textContent = n.number;
    $("ack-amount").textContent = money(n.amount_vnd);
    $("ack-manifest").textContent = n.manifest_sha256 || "—";
    if (can.acknowledged) await showAcknowledgement(base);
    await showDisputes(base);
    return n;
  }

  async function post(url, options, done) {
    const resp = await api(url, { method: "POST", ...options });
    if (!resp.ok) return showApiError(resp);
    await done(await resp.json());
    await refresh();
  }

  pages.notice = () => {
    // The buttons work before they show: refresh() reveals only the actions the API allows.
    const base = `${config.api}/notices/${$("notice").dataset.noticeId}`;
    $("ack-start").onclick = () => {
      $("ack-confirm").hidden = false;
      $("ack-start").hidden = true;
    };
    $("ack-cancel").onclick = () => {
      $("ack-confirm").hidden = true;
      $("ack-start").hidden = false;
    };
    $("ack-sign").onclick = () => post(base + "/acknowledge", {}, async () => showInfo(T.ack_done));
    $("nominate-form").onsubmit = (event) => {
      event.preventDefault();
      const body = JSON.stringify({ cccd: $("driver-cccd").value.trim() });
      const headers = { "Content-Type": "application/json" };
      post(base + "/nominate", { body, headers }, async () => showInfo(T.nominated));
    };
    $("dispute-form").onsubmit = (event) => {
      event.preventDefault();
      const body = new FormData();
      body.append("text", $("dispute-text").value);
      for (const file of $("dispute-files").files) body.append("files", file);
      post(base + "/disputes", { body }, async () => showInfo(T.dispute_sent));
    };
    // Live: this notice changed, one of its disputes was decided, or the driver I named answered.
    const noticeId = $("notice").dataset.noticeId;
    const mine = (name, data) =>
      (isNotice(name) && data.id === noticeId) ||
      name === "nomination.answered" ||
      (name === "dispute.decided" && !!document.querySelector(`#dispute-list li[data-dispute-id="${data.id}"]`));
    return refresh().then(() => live(refresh, mine));
  };

  // -- nominations naming me

  function nominationItem(n) {
    const answer = (accept) => async () => {
      const resp = await api(`${config.api}/nominations/${n.id}/${accept ? "accept" : "refuse"}`, { method: "POST" });
      if (!resp.ok) return showApiError(resp);
      const state = await resp.json();
      await loadNominations();
      showInfo((accept ? T.accepted : T.refused).replace("{number}", state.number));
    };
    const accept = el("button", { type: "button", class: "primary accept" }, T.accept);
    const refuse = el("button", { type: "button", class: "refuse" }, T.refuse);
    accept.onclick = answer(true);
    refuse.onclick = answer(false);
    return el(
      "li",
      { "data-nomination-id": n.id, "data-notice-id": n.notice_id },
      el("div", { class: "number" }, n.notice_number),
      el("div", {}, `${n.violation_code} · ${n.legal_basis}`),
      el("div", { class: "muted" }, `${n.plate || ""} · ${localTime(n.detected_at)}`),
      el("div", {}, `${T.named_by}: ${n.owner_name}`),
      el("div", { class: "amount" }, money(n.amount_vnd)),
      el("div", {}, `${T.points}: ${n.points}`),
      el("div", { class: "muted" }, `${T.answer_by}: ${localTime(n.answer_by)}`),
      el("p", { class: "buttons" }, accept, refuse)
    );
  }

  async function loadNominations() {
    const list = $("nominations");
    const resp = await api(config.api + "/nominations");
    if (!resp.ok) return showApiError(resp);
    const items = await resp.json();
    list.replaceChildren(...items.map(nominationItem));
    if (!items.length) list.append(el("li", { class: "muted" }, T.no_nominations));
    list.setAttribute("aria-busy", "false");
  }

  const forNominations = (name) => name.startsWith("nomination.") || isNotice(name);
  pages.nominations = () => loadNominations().then(() => live(loadNominations, forNominations));
})();
