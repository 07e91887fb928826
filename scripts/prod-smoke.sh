#!/usr/bin/env bash
# The production images' steps without Docker (CI runs this): builds and installs the api, worker
# and cli as the Dockerfiles do (scripts/build-prod.sh: compiled JavaScript, `pnpm deploy --prod`)
# into a temporary folder, applies the migrations with the compiled runner to a fresh database,
# starts the compiled api and worker from that folder with plain `node` and the Dockerfiles' own
# CMD and NODE_OPTIONS, then checks an upsert end to end (PUT with `Prefer: wait` answers 200), a
# CSV import by the compiled cli (through @upsert/client), the worker's /readyz and the API's
# metrics port. Stops both by pid and removes what it made.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"
started=$SECONDS
say() { echo "prod-smoke: $*"; }
fail() {
  echo "prod-smoke: FAILED: $*" >&2
  for log in "$tmp"/*.log; do
    [ -f "$log" ] || continue
    echo "--- last lines of $(basename "$log")" >&2
    tail -n 30 "$log" >&2
  done
  exit 1
}

server_url="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/upsert-prod-smoke.XXXXXX")"
suffix="$(basename "$tmp" | tr -dc 'A-Za-z0-9' | tr 'A-Z' 'a-z')_$$"
database="upsert_prod_smoke_${suffix}"
prefix="prodsmoke_${suffix}"
database_url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.href)' "$server_url" "$database")"
maintenance_url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/postgres"; console.log(u.href)' "$server_url")"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$maintenance_url" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli -u "$redis_url" DEL >/dev/null || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the runtime stage of each Dockerfile sets and runs: its NODE_OPTIONS and its CMD.
dockerfile_node_options() { grep -oE 'NODE_OPTIONS=[^ \\]+' "$1" | head -n 1 | cut -d= -f2-; }
dockerfile_cmd() { node -e 'const t = require("fs").readFileSync(process.argv[1], "utf8"); const m = [...t.matchAll(/^CMD (\[.*\])$/gm)].pop(); if (!m) process.exit(1); console.log(JSON.parse(m[1]).join("\n"))' "$1"; }
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

step=$SECONDS
bash scripts/build-prod.sh "$tmp" api worker cli >"$tmp/build.log" 2>&1 || fail "scripts/build-prod.sh (see build.log)"
say "built and deployed api, worker, cli in $((SECONDS - step)) s ($(du -sh "$tmp" | cut -f1) with node_modules)"
for app in api worker cli; do
  [ -f "$tmp/$app/dist/main.js" ] || fail "$app/dist/main.js is missing"
  [ ! -d "$tmp/$app/src" ] || fail "$app ships its TypeScript sources"
  if compgen -G "$tmp/$app/node_modules/.pnpm/tsx@*" >/dev/null || compgen -G "$tmp/$app/node_modules/.pnpm/vitest@*" >/dev/null; then
    fail "$app's production install has dev tooling (tsx or vitest)"
  fi
done

export NODE_OPTIONS
NODE_OPTIONS="$(dockerfile_node_options apps/worker/Dockerfile)"
[ "$NODE_OPTIONS" = "$(dockerfile_node_options apps/api/Dockerfile)" ] || fail "the Dockerfiles set different NODE_OPTIONS"
mapfile -t api_cmd < <(dockerfile_cmd apps/api/Dockerfile)
mapfile -t worker_cmd < <(dockerfile_cmd apps/worker/Dockerfile)
[ "${api_cmd[0]}" = node ] && [ "${worker_cmd[0]}" = node ] || fail "a Dockerfile's CMD does not start with node"

# The compose file's migrate service: the compiled runner, creating the database.
(cd "$tmp/worker" && DATABASE_URL="$database_url" node node_modules/@upsert/db/dist/migrate.cli.js) >"$tmp/migrate.log" 2>&1 ||
  fail "the compiled migrate failed (see migrate.log)"
say "migrated $database with the compiled runner"

api_port="$(free_port)"
api_metrics_port="$(free_port)"
worker_metrics_port="$(free_port)"
common=(DATABASE_URL="$database_url" REDIS_URL="$redis_url" QUEUE_PREFIX="$prefix" LOG_LEVEL=info HOST=127.0.0.1 METRICS_HOST=127.0.0.1)
step=$SECONDS
(cd "$tmp/api" && exec env "${common[@]}" PORT="$api_port" METRICS_PORT="$api_metrics_port" "${api_cmd[@]}") >"$tmp/api.log" 2>&1 &
pids+=($!)
api_pid=$!
(cd "$tmp/worker" && exec env "${common[@]}" METRICS_PORT="$worker_metrics_port" ENRICHMENT_LATENCY_MS=50 "${worker_cmd[@]}") >"$tmp/worker.log" 2>&1 &
pids+=($!)
worker_pid=$!

wait_ready() {
  local name="$1" url="$2" pid="$3"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || fail "$name exited before it was ready"
    curl -fsS "$url" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "$name did not answer $url within 60 s"
}
wait_ready api "http://127.0.0.1:$api_port/readyz" "$api_pid"
wait_ready worker "http://127.0.0.1:$worker_metrics_port/readyz" "$worker_pid"
say "api and worker ready in $((SECONDS - step)) s (plain node: ${api_cmd[*]})"

org_json="$(cd "$tmp/cli" && DATABASE_URL="$database_url" node dist/main.js org:create --name "Prod smoke" --json)" ||
  fail "the compiled cli could not create an organisation"
key="$(node -pe 'JSON.parse(process.argv[1]).api_key' "$org_json")"
org_id="$(node -pe 'JSON.parse(process.argv[1]).org_id' "$org_json")"
status="$(curl -sS -o "$tmp/put.json" -w '%{http_code}' -X PUT "http://127.0.0.1:$api_port/v1/contacts" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -H 'Prefer: wait=30' \
  -d '{"email":"jane.smoke@acme.com","first_name":"Smoke"}')"
[ "$status" = 200 ] || fail "PUT /v1/contacts with Prefer: wait answered $status: $(cat "$tmp/put.json")"
node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (b.data?.email !== "jane.smoke@acme.com") process.exit(1)' "$tmp/put.json" ||
  fail "the 200 does not carry the contact: $(cat "$tmp/put.json")"
say "PUT /v1/contacts (Prefer: wait) answered 200 with the written contact"

# The compiled cli's import: the batch endpoints through @upsert/client's compiled build.
printf 'email,first_name\nann.smoke@acme.com,Ann\nnot-an-email,Bad\n' >"$tmp/import.csv"
code=0
(cd "$tmp/cli" && DATABASE_URL="$database_url" API_URL="http://127.0.0.1:$api_port" node dist/main.js import --org "$org_id" "$tmp/import.csv" --json) >"$tmp/import.log" 2>&1 || code=$?
[ "$code" = 2 ] || fail "the compiled cli's import exited $code, not 2 (one row fails): $(cat "$tmp/import.log")"
node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (s.rows !== 2 || s.created !== 1 || s.failed !== 1) process.exit(1)' "$tmp/import.log" ||
  fail "the compiled cli's import summary is not 2 rows, 1 created, 1 failed: $(cat "$tmp/import.log")"
say "the compiled cli imported a CSV through the API (1 created, 1 refused)"

public_metrics="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$api_port/metrics")"
[ "$public_metrics" = 404 ] || fail "the public port serves /metrics ($public_metrics)"
curl -fsS "http://127.0.0.1:$api_metrics_port/metrics" | grep -q '^upsert_http_requests_total{method="PUT",route="/v1/contacts",status="200"} 1$' ||
  fail "the API's metrics port does not count the PUT"
curl -fsS "http://127.0.0.1:$worker_metrics_port/metrics" | grep -q '^upsert_job_runs_total' ||
  fail "the worker's /metrics has no job runs"
curl -fsS "http://127.0.0.1:$worker_metrics_port/healthz" >/dev/null || fail "the worker's /healthz does not answer"
rss() { awk '/^VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status"; }
say "metrics on their own ports; RSS after the upsert: api $(rss "$api_pid"), worker $(rss "$worker_pid")"

for pid in "$api_pid" "$worker_pid"; do kill -TERM "$pid"; done
for pid in "$api_pid" "$worker_pid"; do
  code=0
  wait "$pid" || code=$?
  [ "$code" = 0 ] || fail "pid $pid exited $code on SIGTERM (not a clean shutdown)"
done
pids=()
say "OK in $((SECONDS - started)) s"
