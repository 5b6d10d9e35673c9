import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { goto, login, MEMBER_1, sql } from "../tests/helpers";

const OPS = Number(process.env.BENCH_OPS ?? 1000);

test(`${OPS} ops queued offline sync after reconnect`, async ({ page, context }) => {
  await login(page, MEMBER_1);
  await goto(page, "/suggestions");
  await context.setOffline(true);
  const tag = `bench${Date.now()}`;
  const queuedMs = await page.evaluate(
    async ({ count, tag }) => {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        await (window as any).ZhibuOffline.add({
          op_id: crypto.randomUUID(),
          kind: "suggestion.submit",
          payload: { id: crypto.randomUUID(), body: `${tag} ${i}` },
          created_at: Math.floor(Date.now() / 1000),
          summary: `${tag} ${i}`,
        });
      }
      return performance.now() - started;
    },
    { count: OPS, tag },
  );
  expect(await page.evaluate(async () => (await (window as any).ZhibuOffline.list()).length)).toBe(OPS);

  const started = Date.now();
  await context.setOffline(false);
  await expect
    .poll(() => page.evaluate(async () => (await (window as any).ZhibuOffline.list()).length), {
      timeout: 5 * 60_000,
      intervals: [50],
    })
    .toBe(0);
  const syncMs = Date.now() - started;
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body LIKE '${tag} %'`)).toBe(String(OPS));
  const result = { ops: OPS, queue_ms: Math.round(queuedMs), sync_ms: syncMs, ops_per_s: Math.round((OPS * 1000) / syncMs) };
  console.log(JSON.stringify(result));
  fs.writeFileSync("bench-results.json", JSON.stringify(result, null, 2) + "\n");
});
