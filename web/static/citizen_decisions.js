// My sanction decisions (a list, and one decision: opening it confirms receipt, which starts the days
// to pay) and my licence points per class with their history.
(function () {
  "use strict";
  const { config, T, $, el, money, violationName, fineRange, day, localTime, api, blobUrl, showMessage, showApiError,
    live, isNotice, pages } = window.tvpCitizen;
  const LICENCE = { car: "licence_car", motorbike: "licence_motorbike" };

  function pointsText(points) {
    const parts = Object.entries(points).map(([cls, n]) => `${T[LICENCE[cls]] || cls}: −${n}`);
    return parts.length ? parts.join(", ") : "0";
  }

  function decisionItem(d) {
    return el(
      "li",
      {},
      el(
        "a",
        { href: "/citizen/decisions/" + d.id, "data-decision-id": d.id },
        el("div", { class: "number" }, d.number),
        el("div", {}, el("span", { class: "status" }, T["decision_" + d.status] || d.status)),
        el("div", { class: "violation" }, d.violations.map(violationName).join("; ")),
        el("div", { class: "amount" }, money(d.amount_vnd)),
        el("div", { class: "due" }, `${T.pay_by}: ${d.pay_by}`),
        el("div", { class: "muted" }, `${T.points}: ${pointsText(d.points)}`)
      )
    );
  }

  async function loadDecisions() {
    const list = $("decisions");
    const resp = await api(config.api + "/decisions");
    if (!resp.ok) return showApiError(resp);
    const items = await resp.json();
    list.replaceChildren(...items.map(decisionItem));
    if (!items.length) list.append(el("li", { class: "muted" }, T.no_decisions));
    list.setAttribute("aria-busy", "false");
  }

  // One violation the decision sanctions: its name in the law of its date, the article, fine range and points.
  function violationItem(v) {
    return el(
      "li",
      { "data-notice-id": v.notice_id },
      el("div", { class: "violation" }, violationName(v)),
      el("div", { class: "muted" }, `${v.violation.article || "—"} · ${fineRange(v.violation)}`),
      el("div", { class: "muted" }, `${v.notice_number} · ${v.detected_at_local} · ${money(v.amount_vnd)}`)
    );
  }

  async function openDocument(url) {
    try {
      window.open(await blobUrl(url), "_blank");
    } catch (err) {
      showMessage(T.decision_not_found);
    }
  }

  async function loadDecision() {
    const article = $("decision");
    const base = `${config.api}/decisions/${article.dataset.decisionId}`;
    // Opening the decision in the app is its receipt: the 10 days to pay start now (once).
    const resp = await api(base + "/receipt", { method: "POST" });
    if (resp.status === 404) return showMessage(T.decision_not_found);
    if (!resp.ok) return showApiError(resp);
    const d = await resp.json();
    $("d-number").textContent = d.number;
    $("d-status").textContent = T["decision_" + d.status] || d.status;
    $("d-amount").textContent = money(d.amount_vnd);
    $("d-due").textContent = d.pay_by;
    $("d-points").textContent = pointsText(d.points);
    $("d-violations").replaceChildren(...d.violations.map(violationItem));
    $("d-legal").textContent = d.legal_basis;
    $("d-issued").textContent = localTime(d.issued_at);
    $("d-received").textContent = d.delivered_at ? localTime(d.delivered_at) : "—";
    $("d-html").onclick = () => openDocument(base + "/document.html");
    $("d-pdf").onclick = () => openDocument(base + "/document.pdf");
    article.hidden = false;
    if (d.status !== "cancelled") await loadPayment(base);
  }

  async function loadPayment(base) {
    // The amount due today (late charge included) and, once paid, the payment with its receipt.
    const resp = await api(base + "/payments");
    if (!resp.ok) return showApiError(resp);
    const state = await resp.json();
    const paid = state.paid;
    $("pay-due").hidden = $("pay-button").hidden = $("pay-note").hidden = Boolean(paid);
    $("paid").hidden = !paid;
    $("pay").hidden = false;
    if (paid) {
      $("d-status").textContent = T.decision_paid;
      const receipt = `${config.api}/payments/${paid.id}/receipt`;
      $("receipt-number").textContent = paid.receipt_number || "—";
      $("receipt-pending").hidden = Boolean(paid.receipt_number);
      $("receipt-html").disabled = $("receipt-pdf").disabled = !paid.receipt_number;
      $("receipt-html").onclick = () => openDocument(receipt + ".html");
      $("receipt-pdf").onclick = () => openDocument(receipt + ".pdf");
      return;
    }
    $("pay-amount").textContent = money(state.amount_due_vnd);
    $("pay-late").textContent = state.late_charge_vnd ? `(${T.late_charge} ${money(state.late_charge_vnd)})` : "";
    $("pay-button").onclick = () => pay(base);
  }

  async function pay(base) {
    const button = $("pay-button");
    button.disabled = true;
    try {
      const resp = await api(base + "/payments", { method: "POST" });
      if (!resp.ok) return await showApiError(resp);
      const created = await resp.json();
      $("pay-amount").textContent = money(created.amount_vnd);
      if (!created.redirect_url) return showMessage(T.error);
      $("pay-note").textContent = T.paying;
      location.assign(created.redirect_url);
    } finally {
      button.disabled = false;
    }
  }

  function historyRow(e) {
    return el(
      "tr",
      {},
      el("td", {}, day(e.on)),
      el("td", {}, T["kind_" + e.kind] || e.kind),
      el("td", {}, e.change > 0 ? `+${e.change}` : String(e.change)),
      el("td", {}, String(e.balance)),
      el("td", {}, e.decision_number || "")
    );
  }

  function licence(s) {
    const box = el(
      "section",
      { class: "licence", "data-class": s.licence_class },
      el("h2", {}, T[LICENCE[s.licence_class]] || s.licence_class),
      el("p", { class: "balance" }, T.points_of.replace("{n}", s.balance))
    );
    if (s.restores_on) box.append(el("p", { class: "restores" }, T.restores_on.replace("{day}", day(s.restores_on))));
    if (!s.history.length) return box.append(el("p", { class: "muted" }, T.no_history)), box;
    const head = el("tr", {}, ...[T.on_day, T.history, T.change, T.balance, T.decision].map((h) => el("th", {}, h)));
    box.append(el("table", { class: "history" }, el("thead", {}, head), el("tbody", {}, ...s.history.map(historyRow))));
    return box;
  }

  async function loadPoints() {
    const box = $("licences");
    const resp = await api(config.api + "/points");
    if (!resp.ok) return showApiError(resp);
    const points = await resp.json();
    box.replaceChildren(...points.licences.map(licence));
    box.setAttribute("aria-busy", "false");
  }

  const forDecisions = (name) => name === "decision.issued" || isNotice(name);
  const forPoints = (name) => name === "points.changed" || name === "decision.issued";
  pages.decisions = () => loadDecisions().then(() => live(loadDecisions, forDecisions));
  pages.decision = loadDecision;
  pages.points = () => loadPoints().then(() => live(loadPoints, forPoints));
})();
