#!/usr/bin/env bash
# The real-podman check of the containers runtime, no lab needed: builds regsetup, then runs
# podman-real.test.ts inside sandbox.sh (private namespaces; nothing of the host's configuration
# is read or written). Run as root from the repository: bash test/podman-sandbox/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run build --silent
# Node 24 from the devDependency, for vitest and for the regsetup helper podman runs.
export PATH="$PWD/node_modules/.bin:$PATH"
exec bash test/podman-sandbox/sandbox.sh vitest run --config test/podman-sandbox/vitest.config.ts "$@"
