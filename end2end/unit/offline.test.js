// Unit tests of the outbox rules in public/offline.js (node's test runner, no browser).
const test = require("node:test");
const assert = require("node:assert/strict");
const offline = require("../../public/offline.js");

test("backoff doubles from 2 s and stops at 5 minutes", () => {
  const middle = () => 0.5; // no jitter
  assert.equal(offline.backoffDelay(0, middle), 0);
  assert.equal(offline.backoffDelay(1, middle), 2000);
  assert.equal(offline.backoffDelay(2, middle), 4000);
  assert.equal(offline.backoffDelay(5, middle), 32000);
  assert.equal(offline.backoffDelay(20, middle), 300000);
});

test("backoff jitter stays within 20 percent", () => {
  assert.equal(offline.backoffDelay(3, () => 0), 6400);
  assert.equal(offline.backoffDelay(3, () => 1), 9600);
});

test("ops are sent in the order they were made; rejected ones and other people's are held back", () => {
  const ops = [
    { seq: 3, op_id: "c", status: "pending", user_id: "a" },
    { seq: 1, op_id: "a", status: "pending", user_id: "a" },
    { seq: 2, op_id: "b", status: "rejected", user_id: "a" },
    { seq: 4, op_id: "d", status: "pending", user_id: "a" },
    { seq: 5, op_id: "e", status: "pending", user_id: "b" },
  ];
  assert.deepEqual(
    offline.sendable(ops, "a").map((op) => op.op_id),
    ["a", "c", "d"],
  );
  assert.deepEqual(offline.sendable(ops, "b").map((op) => op.op_id), ["e"], "B's phone session sends only B's");
  assert.deepEqual(offline.sendable(ops, null), [], "nobody signed in: nothing goes");
  assert.deepEqual(offline.sendable([], "a"), []);
});

test("the clock offset is the server's stamp against the middle of the round trip", () => {
  // Sent at 1000, answered at 1400 by the phone's clock; the server stamped 61200.
  assert.equal(offline.offsetFrom(61200, 1000, 1400), 60000);
  assert.equal(offline.offsetFrom(1000, 1000, 1000), 0);
  assert.equal(offline.offsetFrom(900, 1000, 1200), -200, "a phone running fast");
});

test("only a check-in page's address carries a code, and only a well-formed one", () => {
  const id = "0192f0c4-7b1e-7cc0-8000-000000000001";
  assert.deepEqual(offline.checkinInUrl(`https://x/checkin/${id}?s=59847720&c=042137`), {
    meetingId: id,
    slot: 59847720,
    code: "042137",
  });
  assert.deepEqual(offline.checkinInUrl(`https://x/checkin/${id}`), { meetingId: id });
  assert.deepEqual(offline.checkinInUrl(`https://x/checkin/${id}?s=1&c=12ab56`), { meetingId: id });
  assert.deepEqual(offline.checkinInUrl(`https://x/checkin/${id}?s=1.5&c=123456`), { meetingId: id });
  assert.equal(offline.checkinInUrl("https://x/checkin/a/../../admin?s=1&c=123456"), null);
  assert.equal(offline.checkinInUrl("https://x/meetings/abc?s=1&c=123456"), null);
});

test("op ids are UUIDv7: time first, version 7, RFC variant", () => {
  const before = Date.now();
  const id = offline.uuidv7();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const ms = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
  assert.ok(ms >= before && ms <= Date.now());
});

test("a batch stops at its op count or its byte budget, never empty", () => {
  const op = (id, size) => ({ op_id: id, payload: { data: "x".repeat(size) } });
  const ids = (batch) => batch.map((o) => o.op_id);
  const small = [op("a", 10), op("b", 10), op("c", 10)];
  assert.deepEqual(ids(offline.takeBatch(small, 2, 1000)), ["a", "b"]);
  const photos = [op("p1", 600), op("p2", 600), op("p3", 10)];
  assert.deepEqual(ids(offline.takeBatch(photos, 50, 1000)), ["p1"], "the second photo waits");
  assert.deepEqual(ids(offline.takeBatch([op("huge", 5000), op("b", 1)], 50, 1000)), ["huge"]);
  assert.deepEqual(offline.takeBatch([], 50, 1000), []);
});
