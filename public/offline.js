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

  /** Delay before retry number `failures` (1, 2, …): doubling, capped, with ±20% jitter. */
  function backoffDelay(failures, random = Math.random) {
    if (failures <= 0) return 0;
    const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - 1));
    return Math.round(exp * (0.8 + 0.4 * random()));
  }

  /** Ops go out in the order the user made them; rejected ones stay for the user to see. */
  function sendable(ops) {
    return ops.filter((op) => op.status === "pending").sort((a, b) => a.seq - b.seq);
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
          const transaction = database.transaction(STORE, mode);
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

  async function add(op) {
    const record = {
      op_id: op.op_id,
      kind: op.kind,
      payload: op.payload,
      created_at: op.created_at,
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
      for (;;) {
        const batch = takeBatch(sendable(await list()), BATCH, BATCH_BYTES);
        if (batch.length === 0) return answered;
        const response = await fetch("/api/sync", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({
            ops: batch.map(({ op_id, kind, payload, created_at }) => ({ op_id, kind, payload, created_at })),
          }),
        });
        if (!response.ok) throw new Error(`sync answered ${response.status}`);
        const replies = await response.json();
        let retry = false;
        for (const reply of replies) {
          if ("Applied" in reply.outcome) {
            await updateWhere(reply.op_id, () => null);
            answered += 1;
          } else if ("Rejected" in reply.outcome) {
            await updateWhere(reply.op_id, (op) => ({ ...op, status: "rejected", error: reply.outcome.Rejected }));
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
    if (!navigator.onLine) return;
    running = true;
    try {
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

  function forgetUser() {
    if (typeof navigator !== "undefined" && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget-user" });
    }
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

  global.ZhibuOffline = {
    add,
    list,
    dismiss,
    syncOnce,
    kick,
    startSyncLoop,
    registerServiceWorker,
    applyUpdate,
    forgetUser,
    hasServiceWorker,
    resizePhoto,
    startCamera,
    detectQr,
    grabLuma,
    takeBatch,
    backoffDelay,
    sendable,
  };
  if (typeof module !== "undefined") module.exports = global.ZhibuOffline;
})(typeof self !== "undefined" ? self : globalThis);
