#!/usr/bin/env bash
# Runs the service locally: install, typecheck, create + migrate the database, start the API and
# one worker. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-services.sh
pnpm --silent typecheck >/dev/null
pnpm --silent db:migrate

export PORT="${PORT:-3000}"
pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
# node directly (not through pnpm), so that stopping the script stops the apps themselves.
(cd apps/api && exec node --import tsx src/main.ts) & pids+=($!)
(cd apps/worker && exec node --import tsx src/main.ts) & pids+=($!)

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<MSG

  Contact upsert service is running at http://127.0.0.1:$PORT   (Ctrl-C stops it)

  Try it (in another terminal, from this folder):

    KEY=\$(pnpm cli org:create --name Demo --json | node -pe 'JSON.parse(require("fs").readFileSync(0)).api_key')
    JOB=\$(curl -sS -X PUT http://127.0.0.1:$PORT/v1/contacts -H "Authorization: Bearer \$KEY" \\
      -H 'Content-Type: application/json' -d '{"email":"jane@acme.com","first_name":"Jane"}' | tee /dev/stderr \\
      | node -pe 'JSON.parse(require("fs").readFileSync(0)).data.job_id')
    sleep 3; curl -sS http://127.0.0.1:$PORT/v1/jobs/\$JOB -H "Authorization: Bearer \$KEY"

MSG
wait -n "${pids[@]}"
