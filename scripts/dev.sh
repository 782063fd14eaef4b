#!/usr/bin/env bash
# The run command: sets up what is missing, builds, starts the BBB simulator, the worker in
# workerd (wrangler dev) and a demo host page, and prints where to click. Ctrl-C stops them all.
#   bash scripts/dev.sh          one simulated BBB server (BBB_URL)
#   bash scripts/dev.sh --pool   a pool of two (BBB_SERVERS, each its own secret; CONTRACT §8)
#   bash scripts/dev.sh --lti    also a test LMS that launches bbb-edge with LTI 1.3 (CONTRACT §10)
#   BBB_SIM_PORT (8090, and 8091 for the pool's second), WORKER_PORT (8787), DEMO_PORT (8000) and
#   LTI_PORT (8092, the test LMS) move the ports.
set -euo pipefail
cd "$(dirname "$0")/.."

pool=false
lti=false
for arg in "$@"; do
  case "$arg" in
    --pool) pool=true ;;
    --lti) lti=true ;;
    *) echo "dev: unknown option $arg (try --pool or --lti)" >&2; exit 2 ;;
  esac
done
if $lti; then bash scripts/setup.sh --lti; else bash scripts/setup.sh; fi
source scripts/env.sh
SIM_PORT="${BBB_SIM_PORT:-8090}"
SIM2_PORT=$((SIM_PORT + 1))
WORKER_PORT="${WORKER_PORT:-8787}"
DEMO_PORT="${DEMO_PORT:-8000}"
LTI_PORT="${LTI_PORT:-8092}"

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
env_file=.dev.vars
if $pool; then
  # The same settings, with two servers in place of BBB_URL (the second has its own secret).
  if [ ! -f .dev.pool.vars ]; then
    echo "dev: writing .dev.pool.vars (git-ignored): a pool of two simulated servers"
    umask 077
    {
      grep -v -e '^BBB_URL=' -e '^BBB_SECRET=' .dev.vars
      echo "BBB_SERVERS='[{\"id\": \"bbb1\", \"url\": \"http://127.0.0.1:${SIM_PORT}/bigbluebutton/\"}, {\"id\": \"bbb2\", \"url\": \"http://127.0.0.1:${SIM2_PORT}/bigbluebutton/\", \"checksum\": \"sha512\"}]'"
      echo "BBB_SECRET_BBB1=${bbb_secret}"
      echo "BBB_SECRET_BBB2=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
      echo "CALLBACK_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
    } > .dev.pool.vars
  fi
  env_file=.dev.pool.vars
fi
if $lti; then
  # The test LMS (lti1p3platform, as in tests/e2e/lti.test.mjs) registered in LTI_PLATFORMS.
  lms="http://127.0.0.1:${LTI_PORT}"
  umask 077
  {
    grep -v '^LTI_PLATFORMS=' "$env_file"
    echo "LTI_PLATFORMS='[{\"issuer\": \"${lms}\", \"client_id\": \"bbb-edge-dev\", \"deployment_ids\": [\"1\"], \"auth_url\": \"${lms}/auth\", \"jwks_url\": \"${lms}/jwks\"}]'"
  } > .dev.lti.vars
  env_file=.dev.lti.vars
fi

cargo build -q --release -p bbb-sim
bash scripts/build-worker.sh

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

setsid ./target/release/bbb-sim --port "$SIM_PORT" --secret "$bbb_secret" &
pids+=($!)
sims="http://127.0.0.1:${SIM_PORT}"
if $pool; then
  setsid ./target/release/bbb-sim --port "$SIM2_PORT" --secret "$(sed -n 's/^BBB_SECRET_BBB2=//p' .dev.pool.vars)" --algorithms sha512 &
  pids+=($!)
  sims="${sims},http://127.0.0.1:${SIM2_PORT}"
fi
setsid npx wrangler dev --ip 127.0.0.1 --port "$WORKER_PORT" --env-file "$env_file" --show-interactive-dev-session=false --test-scheduled &
pids+=($!)
BBB_SIM_URL="$sims" DEMO_PORT="$DEMO_PORT" setsid node scripts/demo-host.mjs &
pids+=($!)
if $lti; then
  lms_key="$(mktemp -d)/lms.pem"
  node -e 'const {generateKeyPairSync}=require("crypto");process.stdout.write(generateKeyPairSync("rsa",{modulusLength:2048}).privateKey.export({type:"pkcs8",format:"pem"}))' > "$lms_key"
  setsid .venv-lti/bin/python tests/support/lti-platform/platform.py --port "$LTI_PORT" --issuer "$lms" \
    --client-id bbb-edge-dev --deployment-id 1 --tool "http://127.0.0.1:${WORKER_PORT}" --key "$lms_key" &
  pids+=($!)
fi

for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:${WORKER_PORT}/healthz" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fs "http://127.0.0.1:${WORKER_PORT}/healthz" >/dev/null || { echo "dev: the worker did not become healthy" >&2; exit 1; }

cat <<TEXT

bbb-edge is running at http://127.0.0.1:${WORKER_PORT} against the BBB simulator(s): ${sims}

  Try it in a browser: http://127.0.0.1:${DEMO_PORT}/   (a demo host app: join as teacher or student, or as a student who waits for the teacher; list recordings)

  Or open a link directly. Join as moderator:
    $(node scripts/join-link.mjs --name "Ada Lovelace" --roles Instructor)

  Join as viewer:
    $(node scripts/join-link.mjs --name "Grace Hopper")

  Links are valid for 15 minutes. More: node scripts/join-link.mjs --name NAME [--roles Instructor]
  Health: http://127.0.0.1:${WORKER_PORT}/healthz     Simulator state: http://127.0.0.1:${SIM_PORT}/_sim/meetings
$(if $lti; then echo "  LTI 1.3, from a test LMS (lti1p3platform): a course link as the teacher, then as a student:
    ${lms}/launch?user=t1&name=Ada+Lovelace&roles=Instructor&link=demo-link&title=LTI+class
    ${lms}/launch?user=s1&name=Grace+Hopper&roles=Learner&link=demo-link&title=LTI+class
  or embedded in a course page: ${lms}/course?user=s2&name=Alan+Turing&roles=Learner&link=demo-link&title=LTI+class"; fi)
$(if $pool; then echo "  The pool: mint an admin token (cargo run -q -p bbb-edge-token -- api --scope admin) and
    curl -H \"authorization: Bearer \$TOKEN\" http://127.0.0.1:${WORKER_PORT}/api/v1/servers
  A poll runs every minute (or now: curl http://127.0.0.1:${WORKER_PORT}/cdn-cgi/handler/scheduled)."; fi)
  Ctrl-C stops both.

TEXT
wait
