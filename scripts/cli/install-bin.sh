#!/bin/sh
# npm ci / npm install run this (package.json "prepare"): it puts `router` in
# node_modules/.bin, a launcher that runs scripts/cli/router.ts with the
# project's own Node 22 (the `node` dev dependency), whatever node is on
# PATH. Then `node_modules/.bin/router status` (or `router status` with
# node_modules/.bin on PATH) answers without npm in between.
set -e
cd "$(dirname "$0")/../.."
[ -d node_modules ] || exit 0
mkdir -p node_modules/.bin
cat > node_modules/.bin/router <<'LAUNCHER'
#!/bin/sh
# The router CLI (scripts/cli/router.ts) on the project's Node 22; written by scripts/cli/install-bin.sh.
bin=$(dirname "$0")
exec "$bin/node" "$bin/../../scripts/cli/router.ts" "$@"
LAUNCHER
chmod +x node_modules/.bin/router
