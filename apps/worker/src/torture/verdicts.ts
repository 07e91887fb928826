/** One row of the verdict table the torture suite prints at the end. */
export interface Verdict {
  scenario: string;
  requests: number;
  duplicates: number;
  /** Per-stream order violations plus differences from the serial model. */
  orderViolations: number;
  lost: number;
  stuck: number;
  recovery: string;
  throughput: string;
  pass: boolean;
  notes?: string;
}

export function formatVerdicts(verdicts: Verdict[]): string {
  const header = [
    "scenario",
    "requests",
    "dupes",
    "order",
    "lost",
    "stuck",
    "recovery",
    "throughput",
    "verdict",
  ];
  const rows = verdicts.map((v) => [
    v.scenario,
    String(v.requests),
    String(v.duplicates),
    String(v.orderViolations),
    String(v.lost),
    String(v.stuck),
    v.recovery,
    v.throughput,
    v.pass ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  const notes = verdicts.filter((v) => v.notes).map((v) => `  ${v.scenario}: ${v.notes}`);
  return ["", line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ...notes, ""].join(
    "\n",
  );
}
