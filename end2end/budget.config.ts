import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The byte budget of the first load, measured on the release build (scripts/test.sh builds it
// with --split --precompress first).
export default defineConfig({
  ...base,
  testDir: "./budget",
  retries: 0,
  webServer: { ...base.webServer!, env: { ...(base.webServer as { env: Record<string, string> }).env, ZHIBU_PROFILE: "release" } },
});
