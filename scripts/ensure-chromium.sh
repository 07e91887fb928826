#!/usr/bin/env bash
# Installs Debian's chromium for the docs-page browser test when it is missing. playwright-core
# drives this binary (/usr/bin/chromium); a browser downloaded by `playwright install` is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" != "0" ]; then sudo_cmd=(sudo); fi
echo "ensure-chromium: installing Debian's chromium"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
