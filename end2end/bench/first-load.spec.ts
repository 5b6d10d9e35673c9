import { test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { formatFirstLoads, measureFirstPages, signedInContext } from "../first-load";
import { MEMBER_1 } from "../tests/helpers";

// scripts/bench.sh installs Lighthouse 12 here (not a test dependency).
const LIGHTHOUSE = process.env.LIGHTHOUSE_BIN ?? `${process.env.HOME}/.cache/zhibu-lighthouse/node_modules/.bin/lighthouse`;
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Lighthouse's mobile preset (simulated slow 4G, 4× CPU slowdown), as a signed-in member. */
function lighthouse(url: string, cookie: string) {
  const output = execFileSync(
    LIGHTHOUSE,
    [
      url,
      "--only-categories=performance",
      "--output=json",
      "--output-path=stdout",
      "--quiet",
      `--extra-headers=${JSON.stringify({ Cookie: cookie })}`,
      "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync",
    ],
    { encoding: "utf8", env: { ...process.env, CHROME_PATH: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" }, maxBuffer: 64 << 20, timeout: 180_000 },
  );
  const report = JSON.parse(output);
  return {
    performance: Math.round(report.categories.performance.score * 100),
    fcp_ms: Math.round(report.audits["first-contentful-paint"].numericValue),
    lcp_ms: Math.round(report.audits["largest-contentful-paint"].numericValue),
    tti_ms: Math.round(report.audits["interactive"]?.numericValue ?? NaN),
    tbt_ms: Math.round(report.audits["total-blocking-time"].numericValue),
  };
}

test("first load: bytes before interactive, and Lighthouse on a slow phone", async ({ browser, baseURL }) => {
  const loads = await measureFirstPages(browser);
  console.log(formatFirstLoads(loads));

  const member = await signedInContext(browser, MEMBER_1);
  const cookie = (await member.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  await member.close();

  const results = [];
  for (const load of loads) {
    const runs = Array.from({ length: RUNS }, () => lighthouse(`${baseURL}${load.path}`, cookie));
    const pick = (key: keyof (typeof runs)[0]) => median(runs.map((run) => run[key]));
    const result = {
      page: load.page,
      bytes: load.bytes,
      shell_bytes: load.shell,
      lighthouse_median_of: RUNS,
      performance: pick("performance"),
      fcp_ms: pick("fcp_ms"),
      lcp_ms: pick("lcp_ms"),
      tti_ms: pick("tti_ms"),
      tbt_ms: pick("tbt_ms"),
    };
    console.log(JSON.stringify(result));
    results.push(result);
  }
  fs.writeFileSync("first-load-results.json", JSON.stringify(results, null, 2) + "\n");
});
