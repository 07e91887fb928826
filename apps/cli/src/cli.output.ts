/** Where commands write: stdout carries results (parseable with --json), stderr carries problems. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export function createProcessOutput(): CliOutput {
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  };
}

/** Collects output in memory; tests assert on exactly what a user would see. */
export function createMemoryOutput(): CliOutput & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    out: (text) => {
      stdout += text.endsWith("\n") ? text : `${text}\n`;
    },
    err: (text) => {
      stderr += text.endsWith("\n") ? text : `${text}\n`;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
