// The check-in shell's page logic (public/checkin.html): shows what the outbox holds for
// this meeting, takes typed digits, and once a check-in has reached the server, loads the
// app's own check-in page, which shows it as the server recorded it.
"use strict";
(function () {
  const offline = window.ZhibuOffline;
  const found = offline.checkinInUrl(location.href);
  const meetingId = found ? found.meetingId : "";
  const $ = (id) => document.getElementById(id);
  let sawPending = false;

  function show(id, on) {
    $(id).hidden = !on;
  }

  function when(seconds) {
    return new Date(seconds * 1000).toLocaleString("zh-CN", {
      timeZone: "Asia/Shanghai",
      month: "numeric",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  /** The meeting as the app last read it with signal, from the worker's kept answers. */
  async function cachedMeeting() {
    if (!("caches" in window)) return null;
    const cache = await caches.open("zhibu-reads");
    const query = `?meeting_id=${encodeURIComponent(meetingId)}`;
    for (const read of ["checkin_view", "meeting_detail"]) {
      const kept = await cache.match(`${location.origin}/api/${read}${query}`);
      if (kept) return (await kept.json()).summary;
    }
    const list = await cache.match(`${location.origin}/api/my_meetings?`);
    if (list) return (await list.json()).find((m) => m.id === meetingId) || null;
    return null;
  }

  async function render() {
    const user = offline.currentUser();
    show("login", !user);
    const mine = user ? await offline.mine() : [];
    const pending = mine.filter((op) => op.status === "pending");
    const here = mine.filter((op) => op.kind === "meeting.checkin" && op.payload.meeting_id === meetingId);
    const waiting = here.filter((op) => op.status === "pending");
    const refused = here.filter((op) => op.status === "rejected").pop();
    show("outbox-link", pending.length > 0);
    $("outbox-link").querySelector(".count").textContent = String(pending.length);

    const card = document.querySelector(".checkin");
    const state = $("state");
    state.className = "";
    if (waiting.length > 0) {
      sawPending = true;
      card.dataset.state = "waiting";
      state.className = "pending-sync";
      state.textContent = "待同步：签到已保存在手机上，联网后自动发送";
    } else if (refused) {
      card.dataset.state = "refused";
      state.className = "error";
      state.textContent = refused.message || "签到未通过，请联系书记";
    } else {
      card.dataset.state = "idle";
      state.textContent = "";
    }
    show("state", state.textContent !== "");
    show("digits", !!user && waiting.length === 0);

    // Sent and answered: the app's own page shows the check-in as the server has it.
    if (sawPending && waiting.length === 0 && !refused) location.replace(`/checkin/${meetingId}`);
  }

  async function showMeeting() {
    const meeting = await cachedMeeting().catch(() => null);
    if (!meeting) return;
    $("meeting-title").textContent = meeting.title;
    $("meeting-when").textContent = [when(meeting.starts_at), meeting.place].filter(Boolean).join(" · ");
    show("meeting-title", true);
    show("meeting-when", true);
    show("meeting-later", false);
  }

  document.querySelector("#digits form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = event.target.elements.code;
    const code = input.value.trim();
    const error = $("digits-error");
    if (!/^\d{6}$/.test(code)) {
      error.textContent = "签到码应为 6 位数字";
      error.hidden = false;
      return;
    }
    error.hidden = true;
    const slot = Math.floor(offline.serverNow() / 1000 / 30);
    await offline.queueCheckin(meetingId, slot, code, Math.floor(Date.now() / 1000));
    input.value = "";
  });

  window.addEventListener("zhibu-outbox-changed", () => render().catch(() => {}));
  showMeeting();
  render().catch(() => {});
  offline.startSyncLoop();
})();
