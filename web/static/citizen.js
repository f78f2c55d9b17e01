// The reference citizen app: sign in with the VNeID stand-in (authorization code + PKCE S256), then
// read the citizen API with the ID token as a bearer token. The token lives in this tab's
// sessionStorage only (see web/citizen.py). All text comes from the server in the page's language.
// citizen_answers.js and citizen_decisions.js add their pages through window.tvpCitizen.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("citizen-config").textContent);
  const T = config.text;
  const lang = config.lang;
  const TOKEN = "tvp-citizen-id-token";
  const PKCE = "tvp-citizen-pkce";
  const $ = (id) => document.getElementById(id);

  function label(text) {
    return text ? text[lang] || text.vi : "";
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    children.forEach((c) => node.append(c));
    return node;
  }
  function money(vnd) {
    return new Intl.NumberFormat("vi-VN").format(vnd) + " ₫";
  }
  // The violation as the law of its date names it; the bare code with the reason when it does not.
  function violationName(n) {
    const v = n.violation;
    return v.unknown ? `${n.violation_code} (${label(v.unknown)})` : `${label(v)} (${n.violation_code})`;
  }
  function fineRange(v) {
    if (v.fine_min_vnd == null) return "—";
    return `${money(v.fine_min_vnd)} – ${money(v.fine_max_vnd)} · ${T.law_points.replace("{n}", v.points)}`;
  }
  function b64url(bytes) {
    let s = "";
    bytes.forEach((b) => (s += String.fromCharCode(b)));
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function randomString(n) {
    const bytes = new Uint8Array(n);
    crypto.getRandomValues(bytes);
    return b64url(bytes);
  }
  async function sha256(text) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  }
  function claims(jwt) {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join("")
    );
    return JSON.parse(json);
  }
  function redirectUri() {
    return location.origin + "/citizen/callback";
  }
  function showMessage(text) {
    const box = $("message");
    box.textContent = text;
    box.hidden = false;
    $("info").hidden = true;
  }
  function showInfo(text) {
    const box = $("info");
    box.textContent = text;
    box.hidden = false;
    $("message").hidden = true;
  }
  async function showApiError(resp) {
    // The API answers {"error": Name, "detail": …}: the citizen's words for Name, the detail after it.
    let body = {};
    try {
      body = await resp.json();
    } catch (err) {
      body = {};
    }
    const said = T["error_" + body.error] || T.error;
    const detail = typeof body.detail === "string" ? body.detail : "";
    showMessage(detail ? `${said} (${detail})` : said);
  }
  function day(iso) {
    return iso ? iso.slice(0, 10).split("-").reverse().join("/") : "";
  }
  function localTime(iso) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Ho_Chi_Minh",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
  }
  function token() {
    // The server decides whether the token is still valid (a 401 signs out): a phone's clock can be
    // wrong by hours, and comparing `exp` with it would sign citizens out (or keep a dead token) for no reason.
    return sessionStorage.getItem(TOKEN);
  }
  function signOut() {
    sessionStorage.removeItem(TOKEN);
    location.assign("/citizen");
  }
  async function api(url, options) {
    const jwt = token();
    if (!jwt) {
      signOut();
      throw new Error("signed out");
    }
    const headers = { ...((options || {}).headers || {}), Authorization: "Bearer " + jwt };
    const resp = await fetch(url, { ...(options || {}), headers });
    if (resp.status === 401) {
      signOut();
      throw new Error("signed out");
    }
    return resp;
  }

  // -- sign in (authorization code + PKCE)

  async function signIn() {
    const verifier = randomString(48);
    const state = randomString(16);
    const nonce = randomString(16);
    sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, nonce }));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: config.clientId,
      redirect_uri: redirectUri(),
      state,
      nonce,
      code_challenge: b64url(await sha256(verifier)),
      code_challenge_method: "S256",
    });
    location.assign(config.authorize + "?" + query);
  }

  async function callback() {
    const params = new URLSearchParams(location.search);
    const saved = JSON.parse(sessionStorage.getItem(PKCE) || "null");
    sessionStorage.removeItem(PKCE);
    const fail = () => {
      $("status").textContent = T.sign_in_failed;
      $("retry").hidden = false;
    };
    if (!saved || !params.get("code") || params.get("state") !== saved.state) return fail();
    const resp = await fetch(config.token, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: redirectUri(),
        client_id: config.clientId,
        code_verifier: saved.verifier,
      }),
    });
    if (!resp.ok) return fail();
    const idToken = (await resp.json()).id_token;
    if (claims(idToken).nonce !== saved.nonce) return fail();
    sessionStorage.setItem(TOKEN, idToken);
    location.replace("/citizen/notices");
  }

  // -- my notices, refreshed live

  function deadlineItem(d) {
    const when = d.passed ? T.days_passed.replace("{n}", -d.days_left) : T.days_left.replace("{n}", d.days_left);
    const day = d.due_on.split("-").reverse().join("/");
    return el("li", d.passed ? { class: "passed" } : {}, `${label(d.label)}: ${day} (${when})`);
  }

  function noticeItem(n) {
    const link = el(
      "a",
      { href: "/citizen/notices/" + n.id, "data-notice-id": n.id },
      el("div", { class: "number" }, n.number),
      el("div", { class: "violation" }, violationName(n)),
      el("div", { class: "muted" }, `${n.plate || ""} · ${n.detected_at_local}`),
      el("div", {}, el("span", { class: "status" }, label(n.status_label))),
      el("div", { class: "amount" }, money(n.amount_due_today_vnd)),
      el("ul", { class: "deadlines" }, ...n.deadlines.map(deadlineItem))
    );
    return el("li", {}, link);
  }

  async function loadList() {
    const list = $("notices");
    const resp = await api(config.api + "/notices?size=50");
    if (!resp.ok) return showMessage(T.error);
    const page = await resp.json();
    list.replaceChildren(...page.items.map(noticeItem));
    if (!page.items.length) list.append(el("li", { class: "muted" }, T.no_notices));
    list.setAttribute("aria-busy", "false");
  }

  const isNotice = (name) => name.startsWith("notice.");
  let toastTimer = null;

  function toast() {
    // Any update, whichever page is open: "Có cập nhật mới / New update" for a few seconds.
    const box = $("toast");
    if (!box) return;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (box.hidden = true), 6000);
  }

  function onEvent(chunk, refresh, wants) {
    const name = (chunk.match(/^event: (.*)$/m) || [])[1] || "";
    const raw = (chunk.match(/^data: (.*)$/m) || [])[1];
    if (!name || name === "ready" || raw === undefined) return;
    let data = {};
    try {
      data = JSON.parse(raw);
    } catch (err) {
      data = {};
    }
    toast();
    if (wants(name, data)) {
      refresh().then(() => {
        const box = $("live");
        if (box) box.hidden = false;
      });
    }
  }

  async function live(refresh, wants) {
    // An open page: an event it shows (by default a change to my notices) reloads what it lists; any
    // event shows the toast. The events: notice.issued / notice.updated, and what the domain tells me
    // (nomination.received, nomination.answered, decision.issued, dispute.decided, points.changed).
    // Server-Sent Events read with fetch: EventSource cannot send the bearer token.
    for (;;) {
      try {
        const resp = await api(config.api + "/events");
        if (!resp.ok) throw new Error(String(resp.status));
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            onEvent(buffer.slice(0, end), refresh, wants || isNotice);
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) {
        if (err.message === "signed out") return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5000)); // reconnect
    }
  }

  // -- one notice, its evidence and integrity check

  async function blobUrl(url) {
    const resp = await api(url);
    if (!resp.ok) throw new Error(String(resp.status));
    return URL.createObjectURL(await resp.blob());
  }

  async function showEvidence(listUrl) {
    // The blurred copies (faces and other vehicles' plates): the evidence API lists them with their URLs.
    const box = $("evidence");
    let items = [];
    try {
      const resp = await api(listUrl);
      if (resp.ok) items = (await resp.json()).items || [];
    } catch (err) {
      items = [];
    }
    if (!items.length) return box.append(el("p", { class: "muted" }, T.evidence_missing));
    for (const f of items) {
      const video = f.kind === "clip" || (f.content_type || "").startsWith("video/");
      const media = video
        ? el("video", { controls: "", preload: "metadata", "data-name": f.name })
        : el("img", { alt: f.name, "data-name": f.name });
      box.append(media);
      blobUrl(f.url)
        .then((src) => (media.src = src))
        .catch(() => media.replaceWith(el("p", { class: "muted" }, `${f.name}: ${T.evidence_missing}`)));
    }
  }

  async function verify(url) {
    const resp = await api(url);
    if (!resp.ok) return showMessage(T.error);
    const report = await resp.json();
    const verdict = $("verdict");
    verdict.textContent = label(report.verdict);
    verdict.className = "verdict " + (report.ok ? "ok" : "bad");
    $("checks").replaceChildren(
      ...report.checks.map((c) => el("li", { class: c.ok ? "ok" : "bad" }, `${c.ok ? "✓" : "✗"} ${label(c.label)}`))
    );
    $("verify-result").hidden = false;
  }

  async function loadNotice() {
    const article = $("notice");
    const resp = await api(`${config.api}/notices/${article.dataset.noticeId}`);
    if (resp.status === 404) return showMessage(T.not_found);
    if (!resp.ok) return showMessage(T.error);
    const n = await resp.json();
    $("number").textContent = n.number;
    $("status").textContent = label(n.status_label);
    $("due").textContent = money(n.amount_due_today_vnd);
    if (n.late_charge_vnd) $("late").textContent = `(${T.late_charge} ${money(n.late_charge_vnd)})`;
    $("deadlines").replaceChildren(...n.deadlines.map(deadlineItem));
    $("violation").textContent = violationName(n);
    $("article").textContent = n.violation.article || "—";
    $("fine-range").textContent = fineRange(n.violation);
    $("legal-basis").textContent = n.law ? `${n.legal_basis} (${n.law})` : n.legal_basis;
    $("measured").textContent = Object.entries(n.measured)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ");
    $("place").textContent = `${n.camera.name}, ${n.camera.road} · ${n.detected_at_local}`;
    $("plate").textContent = n.plate || "";
    $("fine").textContent = money(n.amount_vnd);
    $("points").textContent = String(n.points);
    $("manifest").textContent = n.manifest_sha256 || "—";
    $("chain").textContent = n.chain ? `${n.chain.camera} #${n.chain.seq}: ${n.chain.link_hash}` : "—";
    $("verify").onclick = () => verify(n.verify_url);
    $("document").onclick = async () => {
      try {
        window.open(await blobUrl(n.document_url), "_blank");
      } catch (err) {
        showMessage(T.not_found);
      }
    };
    if (article.hidden) showEvidence(n.evidence_url); // once; loadNotice runs again after an answer
    article.hidden = false;
    return n;
  }

  // -- pages

  const pages = {
    "sign-in": () => {
      if (token()) location.replace("/citizen/notices");
      $("sign-in").addEventListener("click", signIn);
    },
    callback,
    notices: () => loadList().then(() => live(loadList)),
    notice: loadNotice,
  };
  window.tvpCitizen = {
    config, T, lang, $, el, label, money, violationName, fineRange, day, localTime, api, blobUrl,
    showMessage, showInfo, showApiError, live, isNotice, loadNotice, pages,
  };
  document.addEventListener("DOMContentLoaded", () => {
    // The deferred scripts have all run: every page is registered.
    const signOutButton = $("sign-out");
    if (signOutButton) {
      signOutButton.hidden = false;
      signOutButton.addEventListener("click", signOut);
    }
    const run = pages[document.body.dataset.page];
    if (run) run();
  });
})();
