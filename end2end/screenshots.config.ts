import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The README's screenshots, made from the lived-in demo by scripts/screenshots.sh.
export default defineConfig({
  ...base,
  testDir: "./screens",
  retries: 0,
  webServer: {
    ...base.webServer!,
    env: { ...(base.webServer as { env: Record<string, string> }).env, ZHIBU_SEED_DEMO: "1" },
  },
});
