#!/usr/bin/env bash
# The run command: sets up what is missing, builds, starts the BBB simulator, the worker in
# workerd (wrangler dev) and a demo host page, and prints where to click. Ctrl-C stops them all.
#   BBB_SIM_PORT (8090), WORKER_PORT (8787) and DEMO_PORT (8000) move the ports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

SIM_PORT="${BBB_SIM_PORT:-8090}"
WORKER_PORT="${WORKER_PORT:-8787}"
DEMO_PORT="${DEMO_PORT:-8000}"

# The worker refuses a JWT_SECRET under 32 bytes: an older .dev.vars with a short one is rewritten.
if [ -f .dev.vars ] && [ "$(sed -n 's/^JWT_SECRET=//p' .dev.vars | tr -d '\n' | wc -c)" -lt 32 ]; then
  echo "dev: .dev.vars has a JWT_SECRET under 32 bytes; writing a new one"
  rm .dev.vars
fi
if [ ! -f .dev.vars ]; then
  echo "dev: writing .dev.vars with fresh local secrets (git-ignored)"
  random() { node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))'; }
  umask 077
  cat > .dev.vars <<VARS
# Local settings for wrangler dev (vars and secrets). Never commit; never use these in production.
BBB_URL=http://127.0.0.1:${SIM_PORT}/bigbluebutton/
PUBLIC_URL=http://127.0.0.1:${WORKER_PORT}
JWT_ISSUER=http://127.0.0.1/demo-host
JWT_AUDIENCE=bbb-edge
JWT_MAX_AGE_SECONDS=900
MODERATOR_ROLES=Instructor,moderator
BBB_SECRET=$(random)
JWT_SECRET=$(random)
VARS
fi
bbb_secret=$(sed -n 's/^BBB_SECRET=//p' .dev.vars)

cargo build -q --release -p bbb-sim
bash scripts/build-worker.sh

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

setsid ./target/release/bbb-sim --port "$SIM_PORT" --secret "$bbb_secret" &
pids+=($!)
setsid npx wrangler dev --ip 127.0.0.1 --port "$WORKER_PORT" --show-interactive-dev-session=false &
pids+=($!)
BBB_SIM_URL="http://127.0.0.1:${SIM_PORT}" DEMO_PORT="$DEMO_PORT" setsid node scripts/demo-host.mjs &
pids+=($!)

for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:${WORKER_PORT}/healthz" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fs "http://127.0.0.1:${WORKER_PORT}/healthz" >/dev/null || { echo "dev: the worker did not become healthy" >&2; exit 1; }

cat <<TEXT

bbb-edge is running at http://127.0.0.1:${WORKER_PORT} against the BBB simulator at http://127.0.0.1:${SIM_PORT}/bigbluebutton/

  Try it in a browser: http://127.0.0.1:${DEMO_PORT}/   (a demo host app: join as teacher or student, list recordings)

  Or open a link directly. Join as moderator:
    $(node scripts/join-link.mjs --name "Ada Lovelace" --roles Instructor)

  Join as viewer:
    $(node scripts/join-link.mjs --name "Grace Hopper")

  Links are valid for 15 minutes. More: node scripts/join-link.mjs --name NAME [--roles Instructor]
  Health: http://127.0.0.1:${WORKER_PORT}/healthz     Simulator state: http://127.0.0.1:${SIM_PORT}/_sim/meetings
  Ctrl-C stops both.

TEXT
wait
