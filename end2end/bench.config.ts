import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Benchmarks, not tests: run by scripts/bench.sh against the release build.
export default defineConfig({
  ...base,
  testDir: "./bench",
  timeout: 10 * 60_000,
  webServer: { ...base.webServer!, env: { ...(base.webServer as { env: Record<string, string> }).env, ZHIBU_PROFILE: "release" } },
});
