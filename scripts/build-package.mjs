// `pnpm build` in a package: compiles its TypeScript entry points (and everything they import by
// relative path, the generated Prisma client included) into one ES module each under dist/, for
// plain `node`. Other packages (`@upsert/*` and npm dependencies) stay imports, resolved at run
// time from node_modules. Usage: node ../../scripts/build-package.mjs src/main.ts [more entries]
import { rm } from "node:fs/promises";
import { build } from "esbuild";

const entryPoints = process.argv.slice(2);
if (entryPoints.length === 0) {
  console.error("usage: build-package.mjs <entry.ts>...");
  process.exit(2);
}
await rm("dist", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist",
  outbase: "src",
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  // The oldest Node the project supports (package.json engines); the images run a newer LTS.
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
