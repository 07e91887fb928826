#!/usr/bin/env bash
# Checks docker-compose.yml and the Dockerfiles it builds without a Docker engine: the compose
# file must validate, every COPY source must exist in the build context (and not be excluded by
# .dockerignore), the images must be the production build (compiled, `pnpm deploy --prod`, no tsx,
# the current Node LTS, non-root), and the source of every entry point a container runs must exist.
# Exits non-zero on any problem.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() {
  echo "validate-compose: $*" >&2
  exit 1
}

if ! command -v docker-compose >/dev/null 2>&1; then
  # Debian's docker-compose (v1.29) validates files without talking to an engine.
  [ "$(id -u)" -eq 0 ] || fail "docker-compose is missing; installing it needs root: apt-get install docker-compose"
  echo "validate-compose: installing docker-compose with apt-get"
  apt_log="$(mktemp)"
  trap 'rm -f "$apt_log"' EXIT
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    fail "apt-get could not install docker-compose (output above)"
  fi
  command -v docker-compose >/dev/null 2>&1 || fail "docker-compose is still missing after apt-get install"
fi

docker-compose -f docker-compose.yml config -q || fail "docker-compose.yml is invalid (see above)"
config="$(docker-compose -f docker-compose.yml config)"
echo "validate-compose: docker-compose.yml is valid (docker-compose $(docker-compose version --short))"

problems=0
problem() {
  echo "validate-compose: $*" >&2
  problems=$((problems + 1))
}

# Prints "<service> <working_dir or -> <dockerfile or -> <first .js/.ts argument of command or ->" per
# service of the resolved config (keys come sorted, so collect a whole service before printing).
services="$(awk '
  function flush() { if (name != "") print name, (dir == "" ? "-" : dir), (df == "" ? "-" : df), (ts == "" ? "-" : ts) }
  /^[a-z]/ { in_services = ($1 == "services:") ; next }
  in_services && /^  [a-z0-9_-]+:$/ { flush(); name = substr($1, 1, length($1) - 1); dir = ""; df = ""; ts = ""; key = ""; next }
  in_services && /^    [a-z_]+:/ { key = $1 }
  in_services && $1 == "working_dir:" { dir = $2 }
  in_services && $1 == "dockerfile:" { df = $2 }
  in_services && key == "command:" && $1 == "-" && $2 ~ /\.[jt]s$/ && ts == "" { ts = $2 }
  END { flush() }' <<<"$config")"
[ -n "$services" ] || fail "could not read the services of docker-compose.yml"

mapfile -t dockerfiles < <(awk '$3 != "-" { print $3 }' <<<"$services" | sort -u)
[ "${#dockerfiles[@]}" -gt 0 ] || problem "docker-compose.yml builds no Dockerfile"

# The TypeScript a compiled entry point is built from: `dist/<x>.js` of an app image (run from its
# WORKDIR /app or /app/<app>) is apps/<app>/src/<x>.ts; `node_modules/@upsert/<pkg>/dist/<x>.js`
# is packages/<pkg>/src/<x>.ts (see scripts/build-package.mjs).
source_of() {
  local app="$1" script="$2"
  case "$script" in
    node_modules/@upsert/*/dist/*.js | /app/*/node_modules/@upsert/*/dist/*.js)
      local rest="${script#*node_modules/@upsert/}"
      echo "packages/${rest%%/*}/src/$(basename "${rest#*/dist/}" .js).ts"
      ;;
    /app/*/dist/*.js)
      local rest="${script#/app/}"
      echo "apps/${rest%%/*}/src/$(basename "$script" .js).ts"
      ;;
    dist/*.js) echo "apps/$app/src/${script#dist/}" | sed 's/\.js$/.ts/' ;;
    *) echo "$script" ;;
  esac
}

for dockerfile in "${dockerfiles[@]}"; do
  if [ ! -f "$dockerfile" ]; then
    problem "$dockerfile (named in docker-compose.yml) does not exist"
    continue
  fi
  app="$(basename "$(dirname "$dockerfile")")"
  grep -E '^FROM ' "$dockerfile" | grep -qvE '^FROM node:26-bookworm-slim( |$)' &&
    problem "$dockerfile has a FROM other than node:26-bookworm-slim (the current Node LTS)"
  last_user="$(awk '/^USER / { user = $2 } END { print user }' "$dockerfile")"
  case "$last_user" in
    "" | root | 0 | 0:*) problem "$dockerfile does not end as a non-root USER" ;;
  esac
  grep -qE '^STOPSIGNAL SIGTERM$' "$dockerfile" || problem "$dockerfile has no STOPSIGNAL SIGTERM"
  grep -qE 'pnpm install --frozen-lockfile' "$dockerfile" || problem "$dockerfile does not install with --frozen-lockfile"
  grep -qE '^RUN bash scripts/build-prod.sh /out ' "$dockerfile" ||
    problem "$dockerfile does not build with scripts/build-prod.sh (compiled, pnpm deploy --prod)"
  grep -E '^(CMD|ENTRYPOINT) ' "$dockerfile" | grep -q tsx && problem "$dockerfile runs tsx"
  grep -qE '^COPY --from=build /out/' "$dockerfile" || problem "$dockerfile does not run from the deployed folder"

  # COPY <src>... <dest>: every argument but flags and the last is a path in the context.
  while read -r line_no sources; do
    for source in $sources; do
      if ! compgen -G "$source" >/dev/null; then
        problem "$dockerfile:$line_no copies $source, which does not exist"
      elif grep -qxF "$source" .dockerignore 2>/dev/null; then
        problem "$dockerfile:$line_no copies $source, which .dockerignore excludes"
      fi
    done
  done < <(awk '/^COPY / && !/--from=/ { s = ""; for (i = 2; i < NF; i++) if ($i !~ /^--/) s = s " " $i; print NR, s }' "$dockerfile")

  # The default CMD's script: its TypeScript source must exist.
  script="$(grep -E '^CMD ' "$dockerfile" | grep -oE '"[^"]+\.js"' | tr -d '"' | head -n 1 || true)"
  [ -n "$script" ] || problem "$dockerfile's CMD runs no compiled .js entry point"
  if [ -n "$script" ] && [ ! -f "$(source_of "$app" "$script")" ]; then
    problem "$dockerfile runs $script, built from $(source_of "$app" "$script"), which does not exist"
  fi
  echo "validate-compose: checked $dockerfile"
done

# Services that override the command with a script: its source must exist.
while read -r service _ dockerfile script; do
  [ "$script" != "-" ] || continue
  case "$script" in *.ts) problem "service $service runs TypeScript ($script): the images hold compiled JavaScript" ;; esac
  path="$(source_of "$(basename "$(dirname "$dockerfile")")" "$script")"
  [ -f "$path" ] || problem "service $service runs $script, built from $path, which does not exist"
done <<<"$services"

[ "$problems" -eq 0 ] || fail "$problems problem(s) found"
echo "validate-compose: OK"
