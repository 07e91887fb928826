#!/usr/bin/env bash
# Runs the service locally, in the foreground: install, generate the Prisma client, migrate the
# database, compile and start the API and one worker (the production build: plain node, as the
# images run it; `pnpm dev:api` / `pnpm dev:worker` run the sources through tsx instead), and print
# how to try it once both answer /readyz. Ctrl-C (or SIGTERM) stops both. Each step prints its time; install and
# generate are skipped when nothing they depend on changed since the last start.
#
# Settings (environment, or a .env file in this folder): DATABASE_URL, REDIS_URL, PORT (the API,
# 3000), API_METRICS_PORT (9465), WORKER_METRICS_PORT (9464), QUEUE_PREFIX, READY_TIMEOUT_S (120),
# LOG_PRETTY (true here), and the worker's enrichment settings (see .env.example).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

if [ -f .env ]; then
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
fi
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/contact_upsert}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-3000}"
export LOG_PRETTY="${LOG_PRETTY:-true}"
api_metrics_port="${API_METRICS_PORT:-9465}"
worker_metrics_port="${WORKER_METRICS_PORT:-9464}"
ready_timeout_s="${READY_TIMEOUT_S:-120}"
logs="$repo/.start-logs"
mkdir -p "$logs"

now() { echo "${EPOCHREALTIME/,/.}"; }
script_started="$(now)"
step_started=""
step() {
  step_started="$(now)"
  printf '  %-9s %s' "$1" "$2"
}
seconds_since() { awk -v now="$(now)" -v then="$1" 'BEGIN { printf "%.1f", now - then }'; }
done_step() {
  printf ' (%s s)%s\n' "$(seconds_since "$step_started")" "${1:+ $1}"
}
fail() {
  echo
  echo "start: FAILED: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "start: last lines of $2:" >&2
    tail -n 25 "$2" | sed 's/^/    /' >&2
  fi
  exit 1
}

# A hash of what a step depends on: the step is skipped while it matches the last successful run.
fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
stamp_dir="node_modules/.cache/upsert-start"

echo "Contact upsert service: starting (logs in .start-logs/)"

step install "dependencies (pnpm install)..."
pnpm_pin="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
install_key="$(
  {
    echo "$pnpm_pin"
    fingerprint pnpm-lock.yaml pnpm-workspace.yaml package.json apps/*/package.json packages/*/package.json bench/package.json
  } | sha256sum | cut -d' ' -f1
)"
if [ "$(cat "$stamp_dir/install" 2>/dev/null || true)" = "$install_key" ] && [ "$(pnpm --version 2>/dev/null || true)" = "$pnpm_pin" ]; then
  done_step "up to date, skipped"
else
  if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_pin" ]; then
    npm install --global --silent "pnpm@$pnpm_pin" >"$logs/install.log" 2>&1 || fail "could not install pnpm@$pnpm_pin" "$logs/install.log"
  fi
  pnpm install --frozen-lockfile --reporter=append-only >"$logs/install.log" 2>&1 || fail "pnpm install failed" "$logs/install.log"
  mkdir -p "$stamp_dir"
  echo "$install_key" >"$stamp_dir/install"
  done_step
fi

step generate "Prisma client (prisma generate)..."
generate_key="$(fingerprint prisma/schema.prisma packages/db/prisma.config.ts "$stamp_dir/install")"
if [ "$(cat "$stamp_dir/generate" 2>/dev/null || true)" = "$generate_key" ] && [ -f packages/db/src/generated/prisma/client.ts ]; then
  done_step "up to date, skipped"
else
  pnpm --silent db:generate >"$logs/generate.log" 2>&1 || fail "prisma generate failed" "$logs/generate.log"
  echo "$generate_key" >"$stamp_dir/generate"
  done_step
fi

step services "Postgres and Redis..."
bash scripts/ensure-services.sh >"$logs/services.log" 2>&1 || fail "Postgres or Redis is not answering" "$logs/services.log"
done_step

step build "api and worker (esbuild, cached by turbo)..."
pnpm exec turbo run build --filter=@upsert/api... --filter=@upsert/worker... --output-logs=errors-only >"$logs/build.log" 2>&1 ||
  fail "the build failed" "$logs/build.log"
done_step "$(grep -oE '[0-9]+ cached, [0-9]+ total' "$logs/build.log" | head -n 1)"
# The workspace packages resolve to their compiled dist/ (the "production" export condition).
run_node=(node --conditions=production)

step migrate "database $(node -e 'const u = new URL(process.argv[1]); console.log(`"${u.pathname.slice(1)}" on ${u.host}`)' "$DATABASE_URL")..."
(cd packages/db && "${run_node[@]}" dist/migrate.cli.js) >"$logs/migrate.log" 2>&1 || fail "migrating the database failed" "$logs/migrate.log"
done_step "$(grep -oE 'up to date|Applied [0-9]+ migration\(s\)' "$logs/migrate.log" | head -n 1)"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'echo; echo "start: stopping the API and the worker..."; stop; exit 0' INT TERM

step start "API and worker..."
# A port another process holds would make its answers look like ours.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for setting in "PORT=$PORT" "API_METRICS_PORT=$api_metrics_port" "WORKER_METRICS_PORT=$worker_metrics_port"; do
  port_taken "${setting#*=}" && fail "port ${setting#*=} is in use (another instance?): set ${setting%%=*} to a free port"
done
# node itself (not pnpm, which would not pass SIGTERM on), so stopping this script stops the apps.
(cd apps/api && METRICS_PORT="$api_metrics_port" exec "${run_node[@]}" dist/main.js) >"$logs/api.log" 2>&1 &
api_pid=$!
pids+=("$api_pid")
(cd apps/worker && METRICS_PORT="$worker_metrics_port" exec "${run_node[@]}" dist/main.js) >"$logs/worker.log" 2>&1 &
worker_pid=$!
pids+=("$worker_pid")

api_ready="http://127.0.0.1:$PORT/readyz"
worker_ready="http://127.0.0.1:$worker_metrics_port/readyz"
deadline=$((SECONDS + ready_timeout_s))
pending=(api worker)
while [ "${#pending[@]}" -gt 0 ]; do
  still=()
  for app in "${pending[@]}"; do
    if [ "$app" = api ]; then pid=$api_pid url=$api_ready; else pid=$worker_pid url=$worker_ready; fi
    kill -0 "$pid" 2>/dev/null || fail "the $app exited during start-up" "$logs/$app.log"
    curl -fsS -o /dev/null "$url" 2>/dev/null || still+=("$app")
  done
  pending=("${still[@]+"${still[@]}"}")
  [ "${#pending[@]}" -eq 0 ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    app="${pending[0]}"
    [ "$app" = api ] && url=$api_ready || url=$worker_ready
    fail "the $app did not answer $url within ${ready_timeout_s} s (READY_TIMEOUT_S)" "$logs/$app.log"
  fi
  sleep 0.25
done
done_step "both ready"
printf '  %-9s %s s in all\n' ready "$(seconds_since "$script_started")"

# The CLI reads DATABASE_URL only: the commands below carry the one this service uses.
db_env="DATABASE_URL='$DATABASE_URL'"
base="http://127.0.0.1:$PORT"
cat <<MSG

  Contact upsert service is running at $base   (Ctrl-C stops it)
  API metrics: http://127.0.0.1:$api_metrics_port/metrics   worker: http://127.0.0.1:$worker_metrics_port/metrics

  Try it, in another terminal in $repo:

    KEY=\$($db_env pnpm --silent cli org:create --name Demo --json \\
      | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).api_key')
    curl -sS -X PUT $base/v1/contacts -H "Authorization: Bearer \$KEY" \\
      -H 'Content-Type: application/json' -H 'Prefer: wait=10' \\
      -d '{"email":"jane@acme.com","first_name":"Jane"}'

  The PUT answers 200 with the written contact (202 and a job id if the write takes longer
  than 10 s: poll $base/v1/jobs/<job_id> with the same key). Docs: $base/docs

MSG

# From here on the apps' log lines go to this terminal too.
tail -n 0 -F "$logs/api.log" "$logs/worker.log" 2>/dev/null &
tail_pid=$!
pids+=("$tail_pid")
code=0
wait -n "$api_pid" "$worker_pid" || code=$?
kill -0 "$api_pid" 2>/dev/null && exited=worker || exited=api
fail "the $exited stopped (exit code $code)" "$logs/$exited.log"
