// Prints the findings of a linter's JSON report, one a line, and their counts.
// Usage: node lint-report.mjs redocly|spectral REPORT.json
// Exits 1 when the report holds an error, 0 otherwise (warnings are printed,
// counted and allowed).
import { readFile } from "node:fs/promises";

const [tool, reportPath] = process.argv.slice(2);
const report = JSON.parse(await readFile(reportPath, "utf8"));

/** @type {{severity: string, rule: string, where: string, message: string}[]} */
let findings;
if (tool === "redocly") {
  findings = (report.problems ?? []).map((problem) => ({
    severity: problem.severity === "error" ? "error" : problem.severity === "warn" ? "warning" : problem.severity,
    rule: problem.ruleId,
    where: (problem.location ?? []).map((l) => l.pointer).filter(Boolean).join(" ") || "#",
    message: problem.message,
  }));
} else if (tool === "spectral") {
  const severities = ["error", "warning", "info", "hint"];
  findings = report.map((result) => ({
    severity: severities[result.severity] ?? String(result.severity),
    rule: result.code,
    where: `#/${(result.path ?? []).map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`,
    message: result.message,
  }));
} else {
  console.error(`unknown linter ${tool}`);
  process.exit(2);
}

const order = { error: 0, warning: 1, info: 2, hint: 3 };
findings.sort((a, b) => (order[a.severity] ?? 9) - (order[b.severity] ?? 9) || a.rule.localeCompare(b.rule));
for (const f of findings) {
  console.log(`  ${f.severity.padEnd(7)} ${f.rule}  ${f.where}  ${f.message}`);
}
const count = (severity) => findings.filter((f) => f.severity === severity).length;
const errors = count("error");
console.log(`${tool}: ${errors} error(s), ${count("warning")} warning(s)`);
process.exit(errors > 0 ? 1 : 0);
