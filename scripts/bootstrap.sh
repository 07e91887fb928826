#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: the pinned pnpm, dependencies, the Prisma
# client. Safe to run again. Sourced by start.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pnpm_pin="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_pin" ]; then
  echo "bootstrap: installing pnpm@$pnpm_pin"
  npm install --global --silent "pnpm@$pnpm_pin"
fi
pnpm install --frozen-lockfile --reporter=silent
pnpm --silent db:generate >/dev/null
