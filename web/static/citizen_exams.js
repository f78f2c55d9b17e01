// My exams (the registrations under my CCCD with the latest check-in), the online check-in for one of
// them (card data + the three camera frames of exam_camera.js, sent as the citizen API's JSON), and the
// online exam in progress: one webcam frame every N seconds to /api/exams/{exam}/me/reverifications,
// the last result shown quietly; a failed check never stops the exam page.
(function () {
  "use strict";
  const { config, T, lang, $, el, localTime, api, showMessage, pages } = window.tvpCitizen;
  const FILE_MAX = 2 * 1024 * 1024;

  async function myRegistrations() {
    const resp = await api(config.api + "/exams");
    if (!resp.ok) throw new Error(String(resp.status));
    return resp.json();
  }
  function verdictText(a) {
    if (!a) return T.not_checked_in;
    return a.officer_decision ? T["officer_" + a.officer_decision] : T["verdict_" + a.verdict];
  }
  function admittedOnline(r) {
    const a = r.latest;
    return r.exam.kind === "online" && !!a && a.verdict === "admitted" && a.officer_decision !== "refused";
  }
  function facts(r) {
    return `${T["kind_" + r.exam.kind] || r.exam.kind} · ${r.exam.centre} · ${T.starts} ${localTime(r.exam.starts_at)}`;
  }

  // -- my exams

  function examItem(r) {
    const a = r.latest;
    const link = el(
      "a",
      { href: "/citizen/exams/" + r.id, "data-reg-id": r.id, "data-verdict": a ? a.verdict : "" },
      el("div", { class: "number" }, r.exam.code),
      el("div", { class: "muted" }, facts(r)),
      el("div", {}, el("span", { class: "status" }, verdictText(a)))
    );
    return el("li", {}, link);
  }

  async function loadExams() {
    const list = $("exams");
    let regs;
    try {
      regs = await myRegistrations();
    } catch (err) {
      return showMessage(T.error);
    }
    list.replaceChildren(...regs.map(examItem));
    if (!regs.length) list.append(el("li", { class: "muted" }, T.no_exams));
    list.setAttribute("aria-busy", "false");
  }

  // -- one registration: its latest result and the online check-in

  async function mine(regId) {
    // The API lists only my registrations: one that is not there is not mine (or does not exist).
    try {
      return (await myRegistrations()).find((r) => r.id === regId) || null;
    } catch (err) {
      showMessage(T.error);
      return undefined;
    }
  }

  function showResult(r, a) {
    $("verdict").textContent = verdictText(a);
    $("result").dataset.verdict = a.verdict;
    $("reason-text").textContent = a.officer_reason || a.reason;
    $("reason-code").textContent = `(${a.reason_code})`;
    const online = admittedOnline({ ...r, latest: a });
    const key = a.officer_decision === "refused" ? "next_refused" : online ? "next_admitted_online" : "next_" + a.verdict;
    $("next").textContent = T[key] || "";
    const enter = $("enter-exam");
    enter.hidden = !online;
    enter.href = `/citizen/exams/${r.id}/live`;
    $("result").hidden = false;
  }

  function base64(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }
  function chosen(id) {
    return Array.from($(id).files || []);
  }
  async function fileField(id) {
    const [file] = chosen(id);
    return file ? base64(file) : null;
  }

  async function checkinBody() {
    // The form as the API's JSON; null (with the message shown) when something is missing or too large.
    const files = ["dg1", "sod", "dg2", "dg13", "mrz_photo", "frames"].flatMap((id) => chosen(id));
    const large = files.find((f) => f.size > FILE_MAX);
    if (large) return showMessage(T.file_too_large.replace("{name}", large.name)), null;
    const chip = {};
    for (const name of ["dg1", "sod", "dg2", "dg13"]) chip[name] = await fileField(name);
    const anyChip = Object.values(chip).some((v) => v !== null);
    const body = {
      chip: anyChip ? chip : null,
      qr_text: $("qr_text").value.trim() || null,
      mrz_text: $("mrz_text").value.trim() || null,
      mrz_photo: await fileField("mrz_photo"),
      frames: await Promise.all(chosen("frames").map(base64)),
    };
    const card = (anyChip && chip.dg1 && chip.sod) || (!anyChip && (body.qr_text || body.mrz_text || body.mrz_photo));
    if (!card) return showMessage(T.need_card), null;
    if (!body.frames.length) return showMessage(T.need_frames), null;
    return body;
  }

  async function showCheckinError(resp) {
    // {"error": Name, "detail": {code, vi, en}} from the engine, a list from validation, or a text.
    let body = {};
    try {
      body = await resp.json();
    } catch (err) {
      body = {};
    }
    const said = T["error_" + body.error] || T.error;
    const d = body.detail;
    let detail = "";
    if (d && typeof d === "object" && !Array.isArray(d) && d.vi) detail = `${d[lang] || d.vi} (${d.code})`;
    else if (Array.isArray(d)) detail = d.map((x) => `${(x.loc || []).slice(1).join(".")}: ${x.msg}`).join("; ");
    else if (typeof d === "string") detail = d;
    showMessage(detail ? `${said}: ${detail}` : said);
  }

  async function loadCheckin() {
    const article = $("exam");
    const regId = article.dataset.regId;
    const r = await mine(regId);
    if (r === undefined) return;
    if (r === null) return showMessage(T.exam_not_found);
    $("exam-code").textContent = r.exam.code;
    $("exam-facts").textContent = facts(r);
    if (r.latest) showResult(r, r.latest);
    article.hidden = false;
    const form = $("checkin");
    const submit = $("submit-check");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("message").hidden = true;
      const body = await checkinBody();
      if (!body) return;
      submit.disabled = true;
      submit.textContent = T.checking;
      try {
        const resp = await api(`${config.api}/exams/registrations/${regId}/checkins`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        if (resp.status === 201) {
          showResult(r, await resp.json());
          $("result").scrollIntoView();
        } else {
          await showCheckinError(resp);
        }
      } catch (err) {
        if (err.message !== "signed out") showMessage(T.error);
      } finally {
        submit.disabled = false;
        submit.textContent = T.submit_checkin;
      }
    });
  }

  // -- the online exam in progress

  function now() {
    return localTime(new Date().toISOString()).slice(11);
  }

  async function reverifyOnce(examId, video, status) {
    let text;
    try {
      const frame = await base64(await window.tvpCamera.grab(video));
      const resp = await api(`/api/exams/${examId}/me/reverifications`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ frame }),
      });
      if (resp.status !== 201) throw new Error(String(resp.status));
      const result = await resp.json();
      status.dataset.outcome = result.outcome;
      text = result.outcome === "ok" ? T.reverify_ok : T.reverify_flagged.replace("{code}", result.code);
    } catch (err) {
      if (err.message === "signed out") return false;
      status.dataset.outcome = "error";
      text = T.reverify_failed;
    }
    status.dataset.count = String(Number(status.dataset.count) + 1);
    status.textContent = text.replace("{time}", now());
    return true;
  }

  async function loadLive() {
    const article = $("exam");
    const r = await mine(article.dataset.regId);
    if (r === undefined) return;
    if (r === null) return showMessage(T.exam_not_found);
    if (!admittedOnline(r)) return showMessage(T.not_admitted_online);
    const every = Math.max(1, Number(config.reverifyEverySeconds) || 60);
    $("exam-code").textContent = r.exam.code;
    $("proctor-intro").textContent = T.proctor_intro.replace("{n}", String(every));
    article.hidden = false;
    const video = $("proctor-video");
    try {
      await window.tvpCamera.open(video);
    } catch (err) {
      return showMessage(T.camera_denied);
    }
    const status = $("reverify-status");
    const tick = async () => {
      if (await reverifyOnce(r.exam.id, video, status)) setTimeout(tick, every * 1000);
    };
    setTimeout(tick, every * 1000);
  }

  pages.exams = loadExams;
  pages.exam = loadCheckin;
  pages["exam-live"] = loadLive;
})();
