// Zhibu's offline machinery, shared by the page and the service worker (importScripts):
// the IndexedDB outbox, the sync loop, service-worker registration and updates.
// Every offline write is stored here before anything is sent; an op leaves the outbox only
// once the server has answered it.
"use strict";
(function (global) {
  const DB_NAME = "zhibu";
  const STORE = "outbox";
  const BATCH = 50;
  // Photos travel inside their ops: keep one request well under the server's body limit.
  const BATCH_BYTES = 3 * 1024 * 1024;
  const CHANGED = "zhibu-outbox-changed";
  const BASE_DELAY_MS = 2000;
  const MAX_DELAY_MS = 5 * 60 * 1000;
  // The phone's clock against the server's, and who is signed in on this phone (pages only:
  // a service worker has no localStorage and asks the server instead).
  const CLOCK_KEY = "zhibu-clock";
  const USER_KEY = "zhibu-user";
  const CLOCK_MAX_AGE_MS = 5 * 60 * 1000;

  /** Delay before retry number `failures` (1, 2, …): doubling, capped, with ±20% jitter. */
  function backoffDelay(failures, random = Math.random) {
    if (failures <= 0) return 0;
    const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - 1));
    return Math.round(exp * (0.8 + 0.4 * random()));
  }

  /**
   * Ops go out in the order the user made them; rejected ones stay for the user to see, and
   * other people's wait: on a shared phone each op waits for the one who made it.
   */
  function sendable(ops, userId) {
    return ops
      .filter((op) => op.status === "pending" && belongsTo(op, userId))
      .sort((a, b) => a.seq - b.seq);
  }

  function belongsTo(op, userId) {
    return !!userId && op.user_id === userId;
  }

  function storage() {
    try {
      return typeof localStorage !== "undefined" ? localStorage : null;
    } catch (error) {
      return null;
    }
  }

  function readJson(key) {
    const store = storage();
    try {
      return store ? JSON.parse(store.getItem(key)) : null;
    } catch (error) {
      return null;
    }
  }

  /** Server time minus phone time (ms) from one exchange: the server's stamp against the middle of the round trip. */
  function offsetFrom(serverMs, sentAt, answeredAt) {
    return Math.round(serverMs - (sentAt + answeredAt) / 2);
  }

  function noteServerTime(response, sentAt, answeredAt) {
    const serverMs = Number(response.headers.get("x-zhibu-time"));
    const store = storage();
    if (!store || !Number.isFinite(serverMs) || serverMs <= 0) return;
    store.setItem(CLOCK_KEY, JSON.stringify({ offset_ms: offsetFrom(serverMs, sentAt, answeredAt), at: answeredAt }));
  }

  /** Server time minus phone time in whole seconds, as last measured; null if never. */
  function clockOffset() {
    const clock = readJson(CLOCK_KEY);
    return clock && Number.isFinite(clock.offset_ms) ? Math.round(clock.offset_ms / 1000) : null;
  }

  /** The server's time as this phone best knows it (ms). */
  function serverNow() {
    return Date.now() + 1000 * (clockOffset() || 0);
  }

  // Whether the server answered the last time it was asked. navigator.onLine alone is not
  // to be trusted: older WebViews, and Chromium after a reload with no network, say online
  // with no signal at all. Pages listen for "zhibu-network".
  let reachable = null;
  function noteReachable(ok) {
    if (ok === reachable) return;
    reachable = ok;
    if (typeof window !== "undefined") window.dispatchEvent(new CustomEvent("zhibu-network", { detail: ok }));
  }

  /** Asks the server whether it can be reached, and measures the clock on the way. */
  async function probe() {
    const sentAt = Date.now();
    const timeout = typeof AbortSignal !== "undefined" && AbortSignal.timeout ? AbortSignal.timeout(8000) : undefined;
    try {
      const response = await fetch("/healthz", { cache: "no-store", signal: timeout });
      noteServerTime(response, sentAt, Date.now());
      noteReachable(true);
      return true;
    } catch (error) {
      noteReachable(false);
      return false;
    }
  }

  /**
   * Measures the clock against the server unless a recent measurement exists. A phone whose
   * clock went back since (its measurement now lies in the future) measures again.
   */
  async function checkClock(force = false) {
    if (!storage()) return;
    const clock = readJson(CLOCK_KEY);
    const age = clock ? Date.now() - clock.at : Infinity;
    if (!force && age >= 0 && age < CLOCK_MAX_AGE_MS) return;
    await probe();
  }

  /** The user signed in on this phone, as the pages last learnt it. */
  function currentUser() {
    const store = storage();
    return store ? store.getItem(USER_KEY) : null;
  }

  function setUser(userId) {
    const store = storage();
    if (!store || (store.getItem(USER_KEY) || null) === (userId || null)) return;
    if (userId) store.setItem(USER_KEY, userId);
    else store.removeItem(USER_KEY);
    const adopted = userId ? adoptUnowned(userId) : Promise.resolve();
    adopted.catch(() => {}).then(() => {
      changed();
      if (userId) kick();
    });
  }

  /** Ops queued before ops carried their maker go to the first person who signs in. */
  function adoptUnowned(userId) {
    return tx("readwrite", (store) => {
      const request = store.openCursor();
      request.onsuccess = () => {
        const cursor = request.result;
        if (!cursor) return;
        if (!cursor.value.user_id) cursor.update({ ...cursor.value, user_id: userId });
        cursor.continue();
      };
    });
  }

  /** Who the server says this phone's session belongs to; null when nobody is signed in. */
  async function sessionUser() {
    const response = await fetch("/api/current_user", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: "",
    });
    if (!response.ok) throw new Error(`current_user answered ${response.status}`);
    const me = await response.json();
    return me && me.id ? me.id : null;
  }

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
          store.createIndex("op_id", "op_id", { unique: true });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(
      (database) =>
        new Promise((resolve, reject) => {
          // A write is on disk before the user is told it is kept: Chromium's default
          // ("relaxed") may lose the last ops when the browser or the phone stops.
          const transaction =
            mode === "readwrite"
              ? database.transaction(STORE, mode, { durability: "strict" })
              : database.transaction(STORE, mode);
          const result = work(transaction.objectStore(STORE));
          transaction.oncomplete = () => resolve(result && "result" in result ? result.result : result);
          transaction.onerror = () => reject(transaction.error);
          transaction.onabort = () => reject(transaction.error);
        }),
    );
  }

  // Tells other tabs (and the pages, when the worker synced) that the outbox changed.
  const inBrowser = typeof indexedDB !== "undefined";
  const channel = inBrowser && typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("zhibu-outbox") : null;
  function changed() {
    if (channel) channel.postMessage("changed");
    if (typeof window !== "undefined") window.dispatchEvent(new Event(CHANGED));
  }
  if (channel && typeof window !== "undefined") {
    channel.onmessage = () => window.dispatchEvent(new Event(CHANGED));
  }

  function list() {
    return tx("readonly", (store) => store.getAll());
  }

  /** The signed-in user's ops; others' stay stored until their owner signs in again. */
  async function mine() {
    const userId = currentUser();
    return (await list()).filter((op) => belongsTo(op, userId));
  }

  /**
   * Stores an op for the signed-in user, with the clock offset known at this moment.
   * `created_at` may be given (a scan recorded when the page opened); it defaults to now.
   */
  async function add(op) {
    const userId = currentUser();
    if (!userId) throw new Error("nobody is signed in on this phone");
    const record = {
      op_id: op.op_id,
      kind: op.kind,
      payload: op.payload,
      created_at: Number.isFinite(op.created_at) ? op.created_at : Math.floor(Date.now() / 1000),
      clock_offset: clockOffset(),
      user_id: userId,
      summary: op.summary || "",
      status: "pending",
      error: null,
    };
    await tx("readwrite", (store) => store.add(record));
    changed();
    requestBackgroundSync();
    kick();
  }

  function updateWhere(opId, change) {
    return tx("readwrite", (store) => {
      const request = store.index("op_id").openCursor(IDBKeyRange.only(opId));
      request.onsuccess = () => {
        const cursor = request.result;
        if (!cursor) return;
        const next = change(cursor.value);
        if (next === null) cursor.delete();
        else cursor.update(next);
      };
    });
  }

  function dismiss(opId) {
    return updateWhere(opId, () => null).then(changed);
  }

  /** The next ops to send, in order: at most `maxOps`, and `maxBytes` unless one op alone is larger. */
  function takeBatch(ops, maxOps, maxBytes) {
    const batch = [];
    let bytes = 0;
    for (const op of ops) {
      const size = JSON.stringify(op.payload).length;
      if (batch.length === maxOps || (batch.length > 0 && bytes + size > maxBytes)) break;
      batch.push(op);
      bytes += size;
    }
    return batch;
  }

  /**
   * Sends pending ops in order, a batch at a time. Resolves with the number of ops the
   * server answered; rejects on a network or server failure, leaving the rest queued.
   */
  async function syncOnce() {
    const run = async () => {
      let answered = 0;
      let userId;
      for (;;) {
        const waiting = (await list()).filter((op) => op.status === "pending");
        if (waiting.length === 0) return answered;
        // The session decides whose ops go: never another person's under this one's name.
        if (userId === undefined) userId = await sessionUser();
        const batch = takeBatch(sendable(waiting, userId), BATCH, BATCH_BYTES);
        if (batch.length === 0) return answered;
        const sentAt = Date.now();
        const response = await fetch("/api/sync", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({
            ops: batch.map(({ op_id, kind, payload, created_at, clock_offset, user_id }) => ({
              op_id,
              kind,
              payload,
              created_at,
              clock_offset,
              user_id,
            })),
          }),
        });
        noteServerTime(response, sentAt, Date.now());
        noteReachable(true);
        if (!response.ok) throw new Error(`sync answered ${response.status}`);
        const replies = await response.json();
        let retry = false;
        for (const reply of replies) {
          if ("Applied" in reply.outcome) {
            await updateWhere(reply.op_id, () => null);
            answered += 1;
          } else if ("Rejected" in reply.outcome) {
            await updateWhere(reply.op_id, (op) => ({
              ...op,
              status: "rejected",
              error: reply.outcome.Rejected,
              message: reply.message || null,
            }));
            answered += 1;
          } else {
            retry = true;
            break;
          }
        }
        changed();
        if (retry || replies.length === 0) throw new Error("server asked to retry");
      }
    };
    // One tab at a time sends; the server's op_id check covers browsers without locks.
    if (typeof navigator !== "undefined" && navigator.locks) {
      return navigator.locks.request("zhibu-outbox-sync", run);
    }
    return run();
  }

  let failures = 0;
  let timer = null;
  let running = false;

  function schedule(delay) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(kick, delay);
  }

  async function kick() {
    if (running || typeof window === "undefined") return;
    if (!navigator.onLine) {
      noteReachable(false);
      return;
    }
    running = true;
    try {
      if (!(await probe())) throw new Error("the server cannot be reached");
      await syncOnce();
      failures = 0;
    } catch (error) {
      failures += 1;
      schedule(backoffDelay(failures));
    } finally {
      running = false;
    }
  }

  function requestBackgroundSync() {
    if (typeof navigator === "undefined" || !navigator.serviceWorker) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("zhibu-outbox"))
      .catch(() => {});
  }

  function startSyncLoop() {
    window.addEventListener("online", () => {
      failures = 0;
      kick();
    });
    window.addEventListener("offline", () => noteReachable(false));
    // Periodic pass for ops that failed while the phone believed it was online.
    setInterval(() => {
      if (!timer) kick();
    }, 60 * 1000);
    kick();
  }

  function registerServiceWorker() {
    const enabled = document.querySelector('meta[name="zhibu-sw"]')?.content === "on";
    if (!enabled || !("serviceWorker" in navigator)) return;
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    navigator.serviceWorker
      .register("/sw.js", { scope: "/" })
      .then((registration) => {
        const announce = () => window.dispatchEvent(new Event("zhibu-update-ready"));
        if (registration.waiting && navigator.serviceWorker.controller) announce();
        registration.addEventListener("updatefound", () => {
          const worker = registration.installing;
          if (!worker) return;
          worker.addEventListener("statechange", () => {
            if (worker.state === "installed" && navigator.serviceWorker.controller) announce();
          });
        });
      })
      .catch(() => {});
  }

  async function applyUpdate() {
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration || !registration.waiting) {
      location.reload();
      return;
    }
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload());
    registration.waiting.postMessage({ type: "skip-waiting" });
  }

  /**
   * Someone signed in or out: the worker forgets the pages and answers kept for the last
   * person and keeps the start page afresh. Sent to the active worker even before it
   * controls this page (the first visit), and answered once done.
   */
  async function userChanged(userId) {
    setUser(userId);
    if (typeof navigator === "undefined" || !navigator.serviceWorker) return;
    const registration = await navigator.serviceWorker.getRegistration();
    const worker = registration && (registration.active || registration.waiting || registration.installing);
    if (!worker) return;
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(resolve, 3000);
      channel.port1.onmessage = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.postMessage({ type: "user-changed" }, [channel.port2]);
    });
  }

  /**
   * A check-in code from a scanned QR (`/checkin/{meeting}?s=&c=`), queued once: a reload of
   * the same page does not queue it again. `scannedAt` is when the page was opened (UTC
   * seconds). Resolves with the op id, or null when there was nothing (new) to queue.
   */
  const handledScans = new Set();
  async function queueCheckin(meetingId, slot, code, scannedAt) {
    const key = `${meetingId}|${slot}|${code}`;
    const seen = readJson("zhibu-scans") || [];
    if (handledScans.has(key) || seen.includes(key)) return null;
    if (!/^\d{6}$/.test(code) || !Number.isFinite(slot)) return null;
    handledScans.add(key);
    // A clock set back since the last measurement is measured again before the scan is
    // stamped with its offset; a slow network does not hold the check-in up for long.
    if (typeof navigator !== "undefined" && navigator.onLine) {
      await Promise.race([checkClock().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
    const op = {
      op_id: uuidv7(),
      kind: "meeting.checkin",
      payload: { meeting_id: meetingId, slot, code },
      created_at: scannedAt,
      summary: `签到 ${code}`,
    };
    await add(op);
    const store = storage();
    if (store) store.setItem("zhibu-scans", JSON.stringify([...seen, key].slice(-20)));
    return op.op_id;
  }

  /** The check-in a page's address carries, if any: {meetingId, slot, code}. */
  function checkinInUrl(href) {
    const url = new URL(href, "http://x");
    const match = /^\/checkin\/([A-Za-z0-9-]{1,64})$/.exec(url.pathname);
    if (!match) return null;
    const slot = Number(url.searchParams.get("s"));
    const code = url.searchParams.get("c") || "";
    if (!url.searchParams.has("s") || !Number.isInteger(slot) || !/^\d{6}$/.test(code)) return { meetingId: match[1] };
    return { meetingId: match[1], slot, code };
  }

  /**
   * On a check-in page opened from a QR code: queue the check-in at once, with the time the
   * page was opened, before any wasm has loaded, then drop the code from the address so a
   * reload shows the state instead of scanning again.
   */
  async function checkinFromLocation() {
    if (typeof location === "undefined") return null;
    const found = checkinInUrl(location.href);
    if (!found || found.code === undefined) return null;
    // A member who must log in first still checks in with the time of the scan.
    const key = `${found.meetingId}|${found.slot}|${found.code}`;
    const firstSeen = readJson("zhibu-scan-seen") || {};
    const openedAt = firstSeen[key] || Math.floor((performance.timeOrigin || Date.now()) / 1000);
    if (!firstSeen[key] && storage()) {
      const kept = Object.entries({ ...firstSeen, [key]: openedAt }).slice(-20);
      storage().setItem("zhibu-scan-seen", JSON.stringify(Object.fromEntries(kept)));
    }
    if (!currentUser()) {
      // Online with nobody known yet: ask the session (answered from the cache offline).
      try {
        setUser(await sessionUser());
      } catch (error) {
        /* offline with no answer kept: the page asks to log in */
      }
    }
    if (!currentUser()) return null;
    const opId = await queueCheckin(found.meetingId, found.slot, found.code, openedAt);
    history.replaceState(history.state, "", `/checkin/${found.meetingId}`);
    return opId;
  }

  /** A UUIDv7: 48 bits of milliseconds, then random bits. */
  function uuidv7() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    let ms = Date.now();
    for (let i = 5; i >= 0; i -= 1) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /**
   * Shrinks a chosen photo on the phone before it is queued: longest side `maxSide`, JPEG.
   * Drawing applies the EXIF orientation and drops the rest of EXIF (the server re-encodes
   * anyway). Resolves with a data URL.
   */
  async function resizePhoto(file, maxSide = 1600, quality = 0.8) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    return canvas.toDataURL("image/jpeg", quality);
  }

  /** Opens the back camera into `video`; resolves with a function that closes it again. */
  async function startCamera(video) {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
    video.srcObject = stream;
    video.muted = true;
    video.setAttribute("playsinline", "");
    await video.play();
    return () => stream.getTracks().forEach((track) => track.stop());
  }

  let qrDetector;
  /**
   * The QR text in the video's current frame by the browser's own BarcodeDetector: null when
   * there is none in view, undefined where the browser cannot detect QR codes (the wasm
   * decoder takes over).
   */
  async function detectQr(video) {
    if (qrDetector === undefined) {
      const formats = "BarcodeDetector" in globalThis ? await BarcodeDetector.getSupportedFormats() : [];
      qrDetector = formats.includes("qr_code") ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
    }
    if (!qrDetector) return undefined;
    const codes = await qrDetector.detect(video);
    return codes.length > 0 ? codes[0].rawValue : null;
  }

  /** The video's current frame as luminance bytes (at most `maxSide` wide or high). */
  function grabLuma(video, maxSide = 640) {
    const scale = Math.min(1, maxSide / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (width === 0 || height === 0) return null;
    const canvas = (grabLuma.canvas ??= document.createElement("canvas"));
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const rgba = context.getImageData(0, 0, width, height).data;
    const luma = new Uint8Array(width * height);
    for (let i = 0; i < luma.length; i += 1) {
      luma[i] = (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8;
    }
    return { width, height, luma };
  }

  function hasServiceWorker() {
    return typeof navigator !== "undefined" && "serviceWorker" in navigator;
  }

  /**
   * The app stopped (a panic: a route's code could not be fetched) or never started (its
   * main bundle could not be fetched on a poor line): says so above the page, in plain DOM,
   * with a full reload instead of buttons that do nothing.
   */
  function showStopped() {
    if (typeof document === "undefined" || !document.body || document.getElementById("app-stopped")) return;
    const english = (document.documentElement.lang || "").toLowerCase().startsWith("en");
    const notice = document.createElement("div");
    notice.id = "app-stopped";
    notice.className = "app-stopped card";
    notice.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = english
      ? "The page did not finish loading; the connection may be poor."
      : "页面没能加载完，可能是网络不好。";
    const retry = document.createElement("a");
    retry.className = "button";
    // Without the fragment (a link to the same page with one only scrolls), and a full load,
    // not the router's (rel=external): what a panic left in memory is not to be trusted.
    retry.href = location.pathname + location.search;
    retry.rel = "external";
    retry.textContent = english ? "Retry" : "重试";
    notice.append(text, retry);
    document.body.append(notice);
  }

  global.ZhibuOffline = {
    add,
    list,
    mine,
    dismiss,
    syncOnce,
    kick,
    startSyncLoop,
    registerServiceWorker,
    applyUpdate,
    userChanged,
    setUser,
    currentUser,
    clockOffset,
    serverNow,
    checkClock,
    offsetFrom,
    queueCheckin,
    checkinInUrl,
    checkinFromLocation,
    uuidv7,
    hasServiceWorker,
    showStopped,
    resizePhoto,
    startCamera,
    detectQr,
    grabLuma,
    takeBatch,
    backoffDelay,
    sendable,
  };
  if (typeof module !== "undefined") module.exports = global.ZhibuOffline;
  // The release build aborts on a panic without running the app's panic hook (scripts/setup.sh,
  // `release_wasm_env`): the wasm traps instead, and the trap surfaces here.
  if (typeof window !== "undefined" && typeof WebAssembly !== "undefined") {
    const stoppedBy = (error) => {
      if (error instanceof WebAssembly.RuntimeError) showStopped();
    };
    window.addEventListener("error", (event) => stoppedBy(event.error));
    window.addEventListener("unhandledrejection", (event) => stoppedBy(event.reason));
  }
  // A check-in page opened from a QR code checks in before anything else loads.
  if (typeof document !== "undefined" && typeof location !== "undefined" && location.pathname.startsWith("/checkin/")) {
    const start = () => checkinFromLocation().catch(() => {});
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
    else start();
  }
})(typeof self !== "undefined" ? self : globalThis);
