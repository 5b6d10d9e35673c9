import { expect, test } from "@playwright/test";
import { formatFirstLoads, measureFirstPages } from "../first-load";

// Bytes on the wire (html, js, wasm and css, as sent) before the member's home and the
// check-in page opened from a QR are interactive, on a fresh phone, with the release build:
// at most 250 KB (issue 15), what a phone with one bar of signal can wait for.
const BUDGET_BYTES = Number(process.env.FIRST_LOAD_BUDGET ?? 250_000);

test("the first load of the home and of a scanned check-in stays within the byte budget", async ({ browser }) => {
  const results = await measureFirstPages(browser);
  console.log(formatFirstLoads(results));
  for (const result of results) {
    const wasm = result.files.filter((f) => f.kind === "wasm");
    expect(wasm.length, `${result.page}: the main bundle only, no route chunk`).toBe(1);
    expect(wasm[0].encoding, `${result.page}: the wasm travels compressed`).toBe("br");
    expect(result.shell, `${result.page}: ${JSON.stringify(result.files)}`).toBeLessThanOrEqual(BUDGET_BYTES);
  }
});
