#!/usr/bin/env bash
# The README's CI job ("Use in CI" in README.md), run against an app that
# is already listening, the way GitHub Actions runs it: each run: step in
# a bash -e of its own, in order, the first that fails failing the job;
# what a step leaves running ends with it.
#
#   HOOKTOOL_SECRET=... bash testdata/ci/webhooks-job.sh HOST:PORT
#
# The steps below are the README's run: blocks, verbatim (a test holds them
# equal: TestCIJobScriptIsTheREADMEs in cmd/hooktool/cijob_test.go);
# localhost:3000, the app's address there, is replaced by HOST:PORT when a
# step runs. Installing hooktool and starting the app are the caller's.
# The steps run in the current directory (the README's replay step reads
# testdata/captures.jsonl from it).
set -u
app=${1:?usage: webhooks-job.sh HOST:PORT}
: "${HOOKTOOL_SECRET:?is set in the env of the job}"
set -m # each step in a process group of its own, ended with the step

step() {
	local name=$1 run pid rc
	run=$(cat)
	echo "webhooks job: step \"$name\"" >&2
	bash -e -c "${run//localhost:3000/$app}" </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	kill -- -"$pid" 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "webhooks job: step \"$name\" failed (exit $rc)" >&2
		exit "$rc"
	fi
}

step "Deliveries reach the app and are all validly signed" <<'RUN'
hooktool listen --provider aella --port 0 --ready-file url.txt \
  --forward-to localhost:3000/webhooks --exit-after 3 --timeout 60s \
  --expect-valid --expect-app-2xx --json --save got.jsonl > deliveries.jsonl &
listener=$!
while [ ! -s url.txt ]; do kill -0 $listener; sleep 0.1; done
for e in transfer.completed mandate.created mandate.debit.failed; do
  hooktool trigger "$e" --to "$(cat url.txt)" --retry 2
done
wait $listener
RUN

step "Replay real captured traffic" <<'RUN'
hooktool replay testdata/captures.jsonl --to http://localhost:3000/webhooks --resign
RUN

step "Every kept signature still verifies" <<'RUN'
hooktool verify got.jsonl
RUN

step "The app is idempotent" <<'RUN'
hooktool scenario run aella/transfer-completed --to http://localhost:3000/webhooks \
  --idempotency --probe 'GET http://localhost:3000/balance' \
  --reset 'POST http://localhost:3000/test/reset' \
  --duplicate 3 --concurrent --junit scenario.xml
RUN

echo "webhooks job: passed" >&2
