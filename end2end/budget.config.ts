import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Against the release build (scripts/test.sh builds it with --split --precompress first): the
// byte budget of the first load, and the split routes as shipped, whose wasm aborts on a
// panic without the panic hook the debug build runs (a failed chunk must still say so).
export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: ["budget/*.spec.ts", "tests/split.spec.ts"],
  webServer: { ...base.webServer!, env: { ...(base.webServer as { env: Record<string, string> }).env, ZHIBU_PROFILE: "release" } },
});
