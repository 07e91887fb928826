#!/usr/bin/env bash
# The production build, as the Dockerfiles run it (and scripts/prod-smoke.sh, without Docker):
# compiles each app and the packages it uses to JavaScript (dist/, `pnpm build`), then installs
# each app with its production dependencies only into <out>/<app> (`pnpm deploy --prod`: no
# devDependencies, no tsx, no sources), from the local store (offline).
# Usage: bash scripts/build-prod.sh <out> <app>...   e.g. bash scripts/build-prod.sh /tmp/out api worker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$#" -ge 2 ] || { echo "usage: build-prod.sh <out> <app>..." >&2; exit 2; }
out="$1"
shift
filters=()
for app in "$@"; do filters+=("--filter=@upsert/$app..."); done
# The apps and every workspace package they depend on (`...`); the Prisma client is generated first.
pnpm exec turbo run build "${filters[@]}" --output-logs=errors-only
for app in "$@"; do
  rm -rf "${out:?}/$app"
  pnpm --filter "@upsert/$app" --prod deploy "$out/$app" --offline --reporter=silent
done
