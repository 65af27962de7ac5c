#!/usr/bin/env bash
# bench/replay.sh: throughput of `hooktool replay` against hey, and of
# `hooktool verify` over captures, on loopback.
#
# It captures N real deliveries with `hooktool listen --provider aella --save
# caps.jsonl --quiet` (driven by hey with the 568-byte signed body of
# bench/listen.sh), then, against one bare Go net/http sink (bench/bare) that
# stays up for the whole run, times in each round:
#
#   replay           hooktool replay caps.jsonl --to URL --concurrency 32 --quiet
#   replay --resign  the same with --resign (HMAC-SHA512 recomputed per delivery)
#   hey              hey -n N -c 32 -m POST -D body.json -H 'X-Aella-Signature: ...'
#
# as requests/s = N / wall time, and reports the medians and the ratios to
# hey. Every timed run must have every request acknowledged: replay's exit
# status 0 (which its help defines as "every delivery was acknowledged") and
# hey's status code distribution all 200. Since --quiet hides replay's
# summary, one more run of each replay mode without --quiet, after the
# rounds, checks the summary "replayed N: N acknowledged, 0 failed".
#
# Then `hooktool verify caps.jsonl --quiet` over the N captures, in
# deliveries/s with its peak RSS, and on the first VERIFY_HEAD lines only:
# a peak RSS that does not grow with the file means verify streams.
#
# Usage: bash bench/replay.sh     (from anywhere; see bench/README.md)
#
# Environment (defaults in brackets):
#   N [100000]        deliveries captured and replayed (a multiple of CONNECTIONS)
#   ROUNDS [3]        measured rounds; the median is reported
#   CONNECTIONS [32]  replay --concurrency and hey -c
#   VERIFY_HEAD [10000]  lines of the small file verify is compared on
#   PIN [1]           on 2+ cores, run the sink (and the capturing listener) on
#                     CPU 1 and the clients (replay, hey, verify) on CPU 0
#   KEEP [0]          1 keeps the work directory (captures, outputs) and prints it
#
# Installs hey and GNU time from Debian's packages when missing (as root, or
# through sudo). Loopback only; every load run is bounded by its count.
set -euo pipefail
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init replay.sh

N=${N:-100000}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
VERIFY_HEAD=${VERIFY_HEAD:-10000}
PIN=${PIN:-1}
KEEP=${KEEP:-0}
BODY_SIZE=568
SECRET="bench-replay-secret-3e9a51c7d2" # signs the aella deliveries

need_positive_ints replay.sh N ROUNDS CONNECTIONS VERIFY_HEAD
# hey sends N/CONNECTIONS requests per worker, so N must divide evenly.
((N % CONNECTIONS == 0)) || { echo "replay.sh: N ($N) must be a multiple of CONNECTIONS ($CONNECTIONS)" >&2; exit 2; }
((VERIFY_HEAD < N)) || { echo "replay.sh: VERIFY_HEAD ($VERIFY_HEAD) must be smaller than N ($N)" >&2; exit 2; }



# --- tools ------------------------------------------------------------------

TIME=/usr/bin/time # GNU time: CPU time and peak RSS of a client run
missing=()
command -v hey >/dev/null || missing+=(hey)
[[ -x $TIME ]] || missing+=(time)
apt_install ${missing[@]+"${missing[@]}"}

# --- work directory, cleanup -------------------------------------------------

work_dir hooktool-replay

# CPU placement: the sink on CPU 1, the clients on CPU 0.
pin_cpus "sink on CPU 1, client on CPU 0"

# --- build -------------------------------------------------------------------

build

# --- payload and signature ---------------------------------------------------

make_body

# The aella profile: a hex HMAC-SHA512 of the body in X-Aella-Signature.
export HOOKTOOL_SECRET=$SECRET
aella_headers "$W/aella.headers"
SIG_HEADER=$(cat "$W/aella.headers")

# --- helpers -------------------------------------------------------------------


now() { date +%s.%N; }

# hey_check FILE COUNT: hey's status code distribution is COUNT answers 200
# and nothing else, and it has no error distribution.
hey_check() {
  local f=$1 want=$2 ok other errs
  ok=$(awk '/^  \[200\]/ {print $2}' "$f")
  other=$(awk '/^Status code distribution:/ {s = 1; next} /^Error distribution:/ {s = 0} s && /^  \[[0-9]+\]/ && !/\[200\]/ {n += $2} END {print n + 0}' "$f")
  errs=$(awk '/^Error distribution:/ {e = 1; next} e && /^  \[[0-9]+\]/ {n += substr($1, 2, length($1) - 2)} END {print n + 0}' "$f")
  [[ ${ok:-0} == "$want" && $other == 0 && $errs == 0 ]] ||
    die "hey: wanted $want answers 200, got ${ok:-0} 200, $other other statuses, $errs errors: $(tail -8 "$f")"
}

# --- capture N deliveries ------------------------------------------------------

CAPS="$W/caps.jsonl"
say_load
say "capturing $N deliveries: hooktool listen --provider aella --save caps.jsonl --quiet, driven by hey -n $N -c $CONNECTIONS"
rm -f "$W/listen.url"
"${SRV[@]}" "${HK[@]}" listen --port 0 --provider aella --save "$CAPS" --quiet \
  --ready-file "$W/listen.url" >"$W/listen.log" 2>&1 &
pid=$!
PIDS+=("$pid")
url=$(wait_url "$pid" "$W/listen.url")
t0=$(now)
"${LOAD[@]}" hey -n "$N" -c "$CONNECTIONS" -m POST -T application/json -H "$SIG_HEADER" -D "$BODY" "$url/" \
  >"$W/hey.capture.out" 2>&1 || die "hey failed: $(tail -5 "$W/hey.capture.out")"
t1=$(now)
stop "$pid" INT # graceful: in-flight deliveries finish, the file is closed
hey_check "$W/hey.capture.out" "$N"
kept=$(wc -l <"$CAPS")
valid=$(grep -c '"verdict":{"scheme":"hmac","valid":true' "$CAPS" || true)
ok200=$(grep -c '"answer":{"status":200}' "$CAPS" || true)
aella=$(grep -c '"provider":"aella","scheme":"hmac"' "$CAPS" || true)
((kept == N && valid == N && ok200 == N && aella == N)) ||
  die "captures: $kept records ($valid valid, $ok200 answered 200, $aella provider aella), wanted $N of each"
note "$(printf '%d records (%.0f MiB) in %.1f s, all provider aella, signature valid, answered 200' \
  "$kept" "$(awk -v b="$(wc -c <"$CAPS")" 'BEGIN {print b / 1048576}')" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")"
head -n "$VERIFY_HEAD" "$CAPS" >"$W/head.jsonl"

# --- the sink ------------------------------------------------------------------------

rm -f "$W/bare.url"
"${SRV[@]}" "$W/bare" -ready-file "$W/bare.url" 2>"$W/bare.log" &
SINK=$!
PIDS+=("$SINK")
SINK_URL="$(wait_url "$SINK" "$W/bare.url")/"

# --- timed runs --------------------------------------------------------------------------

NAMES=(replay "replay --resign" hey)
declare -A RPS CCPU SCPU RSS

# timed NAME OUT CMD...: run a client command on the client CPU under GNU
# time, with the wall time from date around it; records requests/s, the
# client's and the sink's CPU time per request and the client's peak RSS.
# Returns the command's exit status.
timed() {
  local name=$1 out=$2 rc=0 t0 t1 s0 s1 wall u="" s="" m=""
  shift 2
  s0=$(cpu_ticks "$SINK")
  t0=$(now)
  "${LOAD[@]}" "$TIME" -f 'TIME %U %S %M' -o "$out.time" "$@" >"$out" 2>"$out.err" || rc=$?
  t1=$(now)
  s1=$(cpu_ticks "$SINK")
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  read -r _ u s m < <(grep '^TIME ' "$out.time") || true
  [[ -n ${m:-} ]] || die "$name: no CPU time from $TIME: $(cat "$out.time")"
  LAST_RPS=$(awk -v n="$N" -v w="$wall" 'BEGIN {printf "%.1f", n / w}')
  LAST_CCPU=$(awk -v u="$u" -v s="$s" -v n="$N" 'BEGIN {printf "%.1f", (u + s) * 1e6 / n}')
  LAST_SCPU=$(awk -v d=$((s1 - s0)) -v hz="$CLK_TCK" -v n="$N" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}')
  LAST_RSS=$m
  LAST_WALL=$wall
  return "$rc"
}

run_one() {
  local name=$1 r=$2 out rc=0
  out="$W/${name// /_}.$r.out"
  case $name in
  replay)
    timed "$name" "$out" "${HK[@]}" replay "$CAPS" --to "$SINK_URL" --concurrency "$CONNECTIONS" --quiet || rc=$?
    ((rc == 0)) || die "$name round $r: exit status $rc (not every delivery acknowledged): $(tail -3 "$out.err")"
    ;;
  "replay --resign")
    timed "$name" "$out" "${HK[@]}" replay "$CAPS" --to "$SINK_URL" --concurrency "$CONNECTIONS" --quiet --resign || rc=$?
    ((rc == 0)) || die "$name round $r: exit status $rc (not every delivery acknowledged): $(tail -3 "$out.err")"
    ;;
  hey)
    timed "$name" "$out" hey -n "$N" -c "$CONNECTIONS" -m POST -T application/json -H "$SIG_HEADER" -D "$BODY" "$SINK_URL" || rc=$?
    ((rc == 0)) || die "hey round $r: exit status $rc: $(tail -3 "$out.err")"
    hey_check "$out" "$N"
    ;;
  esac
  RPS[$name]+="$LAST_RPS "
  CCPU[$name]+="$LAST_CCPU "
  SCPU[$name]+="$LAST_SCPU "
  RSS[$name]+="$LAST_RSS "
  note "$(printf '%-16s %8.0f req/s  %6.2f s  client %5.1f us CPU/req, %7.1f MiB peak RSS  sink %5.1f us CPU/req  all %d acknowledged' \
    "$name" "$LAST_RPS" "$LAST_WALL" "$LAST_CCPU" "$(awk -v k="$LAST_RSS" 'BEGIN {print k / 1024}')" "$LAST_SCPU" "$N")"
}

say "bench: $N deliveries, $CONNECTIONS in flight, $ROUNDS rounds, one sink for all runs, $placement"
for ((r = 1; r <= ROUNDS; r++)); do
  say "round $r/$ROUNDS"
  # Rotate the order, so that no run always follows the same one.
  for ((i = 0; i < ${#NAMES[@]}; i++)); do
    run_one "${NAMES[(i + r - 1) % ${#NAMES[@]}]}" "$r"
  done
done

# --- replay's summary (not timed: --quiet hides it) ---------------------------------------

say "checking replay's summaries (one run of each mode without --quiet, not in the table)"
SUMMARIES=()
for mode in "" --resign; do
  out="$W/check${mode:+.resign}.out"
  extra=()
  [[ -z $mode ]] || extra=("$mode")
  rc=0
  "${LOAD[@]}" "${HK[@]}" replay "$CAPS" --to "$SINK_URL" --concurrency "$CONNECTIONS" "${extra[@]+"${extra[@]}"}" >"$out" 2>"$out.err" || rc=$?
  line=$(grep '^hooktool: replayed ' "$out.err" || true)
  [[ $rc == 0 && $line == "hooktool: replayed $N: $N acknowledged, 0 failed;"* ]] ||
    die "replay${mode:+ $mode}: exit status $rc, summary '$line'"
  acks=$(grep -c '✔ 200 OK' "$out" || true)
  ((acks == N)) || die "replay${mode:+ $mode}: $acks lines '✔ 200 OK', wanted $N"
  SUMMARIES+=("$(printf '%-16s exit 0, %s' "replay${mode:+ $mode}" "${line#hooktool: }")")
  note "${SUMMARIES[-1]}"
done

stop "$SINK"

# --- verify -------------------------------------------------------------------------------

say "verify: hooktool verify FILE --quiet, $N and $VERIFY_HEAD captures, $ROUNDS rounds each"
declare -A VRATE VRSS
VNAMES=("$N" "$VERIFY_HEAD")
for ((r = 1; r <= ROUNDS; r++)); do
  for n in "${VNAMES[@]}"; do
    f=$CAPS
    [[ $n == "$N" ]] || f="$W/head.jsonl"
    out="$W/verify.$n.$r.out"
    rc=0
    t0=$(now)
    "${LOAD[@]}" "$TIME" -f 'TIME %U %S %M' -o "$out.time" "${HK[@]}" verify "$f" --quiet >"$out" 2>"$out.err" || rc=$?
    t1=$(now)
    ((rc == 0)) || die "verify $n round $r: exit status $rc: $(tail -3 "$out.err")"
    m=
    read -r _ _ _ m < <(grep '^TIME ' "$out.time") || true
    [[ -n $m ]] || die "verify: no peak RSS from $TIME: $(cat "$out.time")"
    rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", n / (b - a)}')
    VRATE[$n]+="$rate "
    VRSS[$n]+="$m "
    note "$(printf 'verify %6d captures: %8.0f deliveries/s, peak RSS %5.1f MiB' "$n" "$rate" "$(awk -v k="$m" 'BEGIN {print k / 1024}')")"
  done
done
# Its count: the summary of one run without --quiet.
"${LOAD[@]}" "${HK[@]}" verify "$CAPS" >"$W/verify.check.out" 2>"$W/verify.check.err" || die "verify (check run) failed: $(tail -3 "$W/verify.check.err")"
vline=$(grep '^hooktool: checked ' "$W/verify.check.err" || true)
[[ $vline == "hooktool: checked $N: $N valid, 0 invalid" ]] || die "verify summary: '$vline'"

# --- table -----------------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
declare -A MED VPEAK
{
  echo
  printf '%-16s' client
  for ((r = 1; r <= ROUNDS; r++)); do printf ' %9s' "round $r"; done
  printf ' %9s %15s %13s %11s\n' median "client us/req" "sink us/req" "client RSS"
  for name in "${NAMES[@]}"; do
    read -ra v <<<"${RPS[$name]}"
    MED[$name]=$(printf '%s\n' "${v[@]}" | median)
    printf '%-16s' "$name"
    for x in "${v[@]}"; do printf ' %9.0f' "$x"; done
    printf ' %9.0f %15.1f %13.1f %7s MiB\n' "${MED[$name]}" \
      "$(tr ' ' '\n' <<<"${CCPU[$name]}" | grep . | median)" \
      "$(tr ' ' '\n' <<<"${SCPU[$name]}" | grep . | median)" \
      "$(mib "$(tr ' ' '\n' <<<"${RSS[$name]}" | grep . | sort -g | tail -1)")"
  done
  echo "(requests/s = $N / wall time of the run; client and sink us/req: user+system CPU time per"
  echo " request, median of rounds; client RSS: the largest peak RSS of a round)"
  echo
  printf 'replay / hey             %5.2fx   (target >= 1.0x)\n' "$(ratio "${MED[replay]}" "${MED[hey]}")"
  printf 'replay --resign / hey    %5.2fx\n' "$(ratio "${MED[replay --resign]}" "${MED[hey]}")"
  echo "acknowledged             PASS: every timed run: replay exit 0, hey $N x [200] and no errors"
  for s in "${SUMMARIES[@]}"; do echo "                         $s"; done
  echo
  for n in "${VNAMES[@]}"; do
    read -ra v <<<"${VRATE[$n]}"
    VMED=$(printf '%s\n' "${v[@]}" | median)
    # Peak RSS: the median of the rounds (when the GC runs moves it by a few MiB).
    VPEAK[$n]=$(tr ' ' '\n' <<<"${VRSS[$n]}" | grep . | median)
    printf '%-24s %8.0f deliveries/s, peak RSS %s MiB (medians; largest peak RSS %s MiB)\n' "verify, $n captures" "$VMED" \
      "$(mib "${VPEAK[$n]}")" "$(mib "$(tr ' ' '\n' <<<"${VRSS[$n]}" | grep . | sort -g | tail -1)")"
  done
  printf 'verify peak RSS ratio    %5.2fx   (%d captures over %d; about 1x: the file is streamed)\n' \
    "$(ratio "${VPEAK[$N]}" "${VPEAK[$VERIFY_HEAD]}")" "$N" "$VERIFY_HEAD"
  echo "verify summary           ${vline#hooktool: }"
}
