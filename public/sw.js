// Zhibu service worker. The server serves this file with __BUILD__ replaced by a hash of
// the wasm, js and css it serves, so every build gets a new worker and a new cache, and PKG
// lists every file of the build's /pkg (the main bundle and each route's split chunks), so
// every page works offline after one visit, not only the pages opened so far.
"use strict";
const BUILD = "__BUILD__";
const SHELL_CACHE = `zhibu-shell-${BUILD}`;
const READS_CACHE = "zhibu-reads";
const PAGES_CACHE = "zhibu-pages";
const PKG = __PKG__;
// The routes' split chunks: precached without holding the install up when one of them fails
// on a poor line (the rest of the shell must all arrive, or the worker does not install).
const isChunk = (path) => /^\/pkg\/(split_|chunk_)/.test(path);
const CHUNKS = PKG.filter(isChunk);
const SHELL = [
  ...PKG.filter((path) => !isChunk(path)),
  "/offline.html",
  "/checkin.html",
  "/checkin-shell.js",
  "/offline.js",
  "/manifest.webmanifest",
  "/favicon.png",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
];
// Server functions that only read: their last answer is kept so views work offline.
const CACHED_READS = new Set([
  "/api/current_user",
  "/api/communities",
  "/api/my_suggestions",
  "/api/my_meetings",
  "/api/meeting_detail",
  "/api/checkin_view",
  "/api/schedulable_orgs",
  "/api/meeting_code_key",
  "/api/points_home",
  "/api/wish_wall",
  "/api/wish_detail",
  "/api/home_overview",
  "/api/report_communities",
  "/api/my_reviews",
]);

importScripts("/offline.js");

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(keepChunks));
});

// Fetches the chunks not kept yet; run at install and again on every page fetched online,
// until all are there.
let keepingChunks = null;
let allChunksKept = false;
function keepChunks() {
  if (allChunksKept) return Promise.resolve();
  if (keepingChunks) return keepingChunks;
  keepingChunks = (async () => {
    const cache = await caches.open(SHELL_CACHE);
    const kept = new Set((await cache.keys()).map((request) => new URL(request.url).pathname));
    const added = await Promise.allSettled(CHUNKS.filter((path) => !kept.has(path)).map((path) => cache.add(path)));
    allChunksKept = added.every((result) => result.status === "fulfilled");
  })().finally(() => {
    keepingChunks = null;
  });
  return keepingChunks;
}

// Pages hold the signed-in person's data. Each sign-in or sign-out starts a new generation;
// a page fetched under an earlier one (a logged-out start page still on its way while the
// member logs in) is not kept.
let generation = 0;

async function keepPage(url, response, fetchedIn) {
  if (fetchedIn !== generation) return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(url, await stamp(response));
}

function isHtml(response) {
  return response.ok && !!response.headers.get("content-type")?.includes("text/html");
}

// The start URL, so the installed app opens with no signal, as the person signed in now.
// Fetches `urls` afresh and keeps each page, as the person signed in now. Bounded, since
// activation and sign-in wait for it: a slow line must not hold them up for long.
async function keepFresh(urls) {
  const fetchedIn = generation;
  await Promise.all(
    urls.map(async (url) => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 8000);
      try {
        const response = await fetch(url, { credentials: "same-origin", signal: abort.signal });
        if (isHtml(response)) await keepPage(url, response, fetchedIn);
      } catch (error) {
        /* no signal: kept on the next visit */
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

const startPage = () => new URL("/", self.location.origin).href;

// The start URL, so the installed app opens with no signal, and the pages open before this
// worker took over, which were not fetched through it (the first visit, while it was still
// fetching the build's files), so a reload with no signal finds them.
async function keepOpenPages() {
  const urls = new Set([startPage()]);
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    const url = new URL(client.url);
    url.hash = "";
    const scannedCode = url.pathname.startsWith("/checkin/") && url.search;
    if (url.origin === self.location.origin && !scannedCode) urls.add(url.href);
  }
  await keepFresh([...urls]);
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith("zhibu-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n)),
      );
      // Kept before the worker takes the pages over, so a page it controls can count on it.
      await keepOpenPages();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "skip-waiting") self.skipWaiting();
  // Someone signed in or out: forget every page and answer of the last person, keep the
  // start page of the new one, then tell the page it may go on.
  if (type === "user-changed") {
    generation += 1;
    const done = (async () => {
      await Promise.all([caches.delete(READS_CACHE), caches.delete(PAGES_CACHE)]);
      await keepFresh([startPage()]);
    })();
    event.waitUntil(done.finally(() => event.ports[0] && event.ports[0].postMessage("done")));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "zhibu-outbox") event.waitUntil(ZhibuOffline.syncOnce());
});

function stamp(response) {
  const headers = new Headers(response.headers);
  headers.set("x-zhibu-fetched-at", String(Date.now()));
  return response.blob().then((body) => new Response(body, { status: response.status, headers }));
}

// Pages rendered by a newer server than this worker must not get this worker's cached
// wasm: that would break hydration. Their asset requests go to the network instead.
const newerClients = new Set();

async function networkFirstPage(event) {
  const request = event.request;
  const url = new URL(request.url);
  const checkin = url.pathname.startsWith("/checkin/");
  const fetchedIn = generation;
  try {
    const response = await fetch(request);
    const build = response.headers.get("x-zhibu-build");
    if (build && build !== BUILD && event.resultingClientId) newerClients.add(event.resultingClientId);
    // A scanned code's address is used once; its page is not worth keeping.
    if (isHtml(response) && !(checkin && url.search)) await keepPage(request.url, response.clone(), fetchedIn);
    if (response.ok) event.waitUntil(keepChunks());
    return response;
  } catch (error) {
    // Another page's copy would not hydrate at this URL. A check-in address of any meeting
    // gets the check-in shell, which queues the scanned code; anything else the offline page.
    const cache = await caches.open(PAGES_CACHE);
    const fallback = checkin ? "/checkin.html" : "/offline.html";
    return (await cache.match(request.url)) || (await caches.match(fallback)) || Response.error();
  }
}

async function cacheFirst(event) {
  const request = event.request;
  if (newerClients.has(event.clientId)) return fetch(request);
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function cachedRead(request) {
  const body = await request.clone().text();
  const key = `${request.url}?${body}`;
  const cache = await caches.open(READS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, await stamp(response.clone()));
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

// Photos of meetings, claims and wishes: the last copy seen, for reading without signal.
// Network first, so a photo one may no longer see is not shown again from here while
// online; the cache goes with the user's other reads at logout.
async function mediaRead(request) {
  const cache = await caches.open(READS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && CACHED_READS.has(url.pathname)) {
    event.respondWith(cachedRead(request));
    return;
  }
  // Mutations, and everything else not named here, go straight to the network.
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(event));
  } else if (url.pathname.startsWith("/pkg/") || url.pathname.startsWith("/icons/")) {
    event.respondWith(cacheFirst(event));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(mediaRead(request));
  }
});
