#!/usr/bin/env bash
# The whole test suite: unit and integration tests on the local Postgres and Redis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-services.sh
# The docs-page test drives Debian's chromium (apps/api/src/openapi/docs-page.int.test.ts); running
# the service does not need it, so only the tests install it.
bash scripts/ensure-chromium.sh
# The transaction-pooling tests start their own Debian pgbouncer (packages/testing/src/start-pgbouncer.ts).
bash scripts/ensure-pgbouncer.sh
exec pnpm test:ci "$@"
