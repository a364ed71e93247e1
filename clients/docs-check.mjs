// Opens the server's /docs page in Chromium and checks what a reader sees:
// every operation of the OpenAPI document is listed, expanding operations and
// schemas shows no resolver error, the page throws nothing, and it sends no
// request to any host but the server's own (no CDN, no online validator).
//
// Usage: node docs-check.mjs DOCUMENT.json PORT [SCREENSHOT.png]
// The page is opened as http://docs.example.test:PORT/docs/, a name Chromium
// maps to 127.0.0.1: Swagger UI skips its online validator on localhost and
// 127.0.0.1 only, so a real-looking host name is what reveals that request.
// Requests to any other host are aborted before they leave the machine and
// fail the check.
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const [documentPath, port, screenshot] = process.argv.slice(2);
if (!documentPath || !port) {
  console.error("usage: node docs-check.mjs DOCUMENT.json PORT [SCREENSHOT.png]");
  process.exit(2);
}
const HOST = "docs.example.test";
const origin = `http://${HOST}:${port}`;
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const document = JSON.parse(await readFile(documentPath, "utf8"));
const expected = new Set();
for (const [path, item] of Object.entries(document.paths ?? {})) {
  for (const method of METHODS) {
    if (item[method]) expected.add(`${method.toUpperCase()} ${path}`);
  }
}

const failures = [];
const foreign = [];
const pageErrors = [];

const browser = await chromium.launch({
  executablePath,
  args: [
    // Only the page's own name resolves; every other name fails to resolve.
    `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.host !== `${HOST}:${port}`) foreign.push(request.url());
  });
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || url.host === `${HOST}:${port}`) {
      return route.continue();
    }
    return route.abort("blockedbyclient");
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));

  const response = await page.goto(`${origin}/docs/`, { waitUntil: "load" });
  if (!response || !response.ok()) {
    throw new Error(`GET /docs/ answered ${response ? response.status() : "nothing"}`);
  }
  // Rendered: the title of the document and at least one operation.
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 30_000 });
  await page.waitForSelector(".swagger-ui .opblock", { timeout: 30_000 });
  // Let the validator badge (if any) and late fetches fire.
  await page.waitForLoadState("networkidle");

  const rendered = await page.$$eval(".swagger-ui .opblock", (blocks) =>
    blocks.map((block) => {
      const method = block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
      const pathElement = block.querySelector(".opblock-summary-path");
      const path = pathElement?.getAttribute("data-path") ?? pathElement?.textContent?.trim() ?? "";
      return `${method.toUpperCase()} ${path.replace(/\u200b/g, "")}`;
    }),
  );
  const shown = new Set(rendered);
  const missing = [...expected].filter((op) => !shown.has(op));
  const unknown = [...shown].filter((op) => !expected.has(op));
  console.log(
    `docs: ${rendered.length} operation blocks, ${shown.size} distinct, ${expected.size} operations in the document`,
  );
  if (missing.length) failures.push(`operations not rendered: ${missing.join(", ")}`);
  if (unknown.length) failures.push(`rendered operations not in the document: ${unknown.join(", ")}`);

  // Swagger UI resolves an operation's references when it is expanded, and
  // shows "Resolver error" for one it cannot follow. Expanding costs about a
  // second an operation, so only as many as show every reference that any
  // operation makes are expanded (GET /api/v1/todos, whose query parameters
  // refer to schemas, first), one at a time, each closed again.
  const toExpand = operationsCoveringEveryReference(document, "GET /api/v1/todos");
  for (const op of toExpand) {
    const [method, path] = op.split(" ");
    const block = page.locator(
      `.swagger-ui .opblock-${method.toLowerCase()}:has(.opblock-summary-path[data-path="${path}"])`,
    );
    await block.first().locator(".opblock-summary-control").click();
    await block.first().locator(".opblock-body .responses-wrapper").waitFor({ timeout: 15_000 });
    const shownText = await block.first().innerText();
    if (/resolver error/i.test(shownText)) failures.push(`"Resolver error" in ${op}`);
    await block.first().locator(".opblock-summary-control").click();
  }
  console.log(`docs: expanded ${toExpand.length} operations: ${toExpand.join(", ")}`);

  const text = await page.locator("body").innerText();
  const resolverErrors = text.split("\n").filter((line) => /resolver error/i.test(line));
  if (resolverErrors.length) {
    const details = await page.$$eval(".swagger-ui .errors-wrapper .error-wrapper", (errors) =>
      errors.map((e) => e.innerText.replace(/\s+/g, " ").trim()),
    );
    failures.push(`"Resolver error" shown ${resolverErrors.length} time(s): ${details.join(" | ")}`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
} catch (error) {
  failures.push(String(error));
} finally {
  await browser.close();
}

if (pageErrors.length) failures.push(`script errors on the page: ${pageErrors.join(" | ")}`);
if (foreign.length) {
  failures.push(`requests to hosts other than ${HOST}:${port}: ${[...new Set(foreign)].join(", ")}`);
} else {
  console.log(`docs: every request went to ${HOST}:${port}`);
}
if (failures.length) {
  for (const failure of failures) console.log(`FAIL docs: ${failure}`);
  process.exit(1);
}
console.log("docs: ok");

/**
 * Operations (as "METHOD /path") that together hold every `$ref` any
 * operation of the document holds, `first` among them: a greedy cover.
 */
function operationsCoveringEveryReference(doc, first) {
  const refsOf = (value, into = new Set()) => {
    if (Array.isArray(value)) value.forEach((v) => refsOf(v, into));
    else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        if (key === "$ref" && typeof v === "string") into.add(v);
        else refsOf(v, into);
      }
    }
    return into;
  };
  const refs = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) refs.set(`${method.toUpperCase()} ${path}`, refsOf([item.parameters, item[method]]));
    }
  }
  const chosen = refs.has(first) ? [first] : [];
  const covered = new Set(chosen.flatMap((op) => [...refs.get(op)]));
  for (;;) {
    let best;
    let gain = 0;
    for (const [op, set] of refs) {
      const n = [...set].filter((r) => !covered.has(r)).length;
      if (n > gain) [best, gain] = [op, n];
    }
    if (!best) return chosen;
    chosen.push(best);
    refs.get(best).forEach((r) => covered.add(r));
  }
}
