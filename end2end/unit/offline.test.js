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

test("ops are sent in the order they were made, rejected ones are held back", () => {
  const ops = [
    { seq: 3, op_id: "c", status: "pending" },
    { seq: 1, op_id: "a", status: "pending" },
    { seq: 2, op_id: "b", status: "rejected" },
    { seq: 4, op_id: "d", status: "pending" },
  ];
  assert.deepEqual(
    offline.sendable(ops).map((op) => op.op_id),
    ["a", "c", "d"],
  );
  assert.deepEqual(offline.sendable([]), []);
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
