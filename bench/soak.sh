#!/usr/bin/env bash
# bench/soak.sh: a soak test of `hooktool listen` doing everything at once:
# verifying (provider aella), keeping each delivery durably (--save F
# --fsync) and forwarding it to an app (the bare Go server of bench/bare),
# under wrk at full speed for DURATION seconds, with one request in 10
# carrying a wrong signature. It reports requests/s, latency (wrk --latency),
# the listener's CPU time per request and its peak RSS early in the run and
# at the end, and checks that
#
#   - no record was lost: every 2xx answer (matched by the id in its answer
#     body) has its record in F, exactly as bench/listen.sh checks it;
#   - one record in 10 (+- MIX_TOLERANCE percentage points) has the wrong
#     signature, each of those has the verdict signature_mismatch and every
#     other record the verdict valid;
#   - every record was forwarded and the app answered 200;
#   - the listener's peak RSS at the end is at most RSS_MAX_RATIO times what
#     it was at EARLY seconds.
#
# Usage: bash bench/soak.sh     (from anywhere; see bench/README.md)
#
# Environment (defaults in brackets):
#   DURATION [60]        seconds of the wrk run
#   EARLY [10]           when the first RSS figure is read, in seconds from
#                        the start of the run (DURATION/2 when DURATION is not
#                        above it)
#   CONNECTIONS [32]     wrk connections
#   WRK_THREADS [1]      wrk threads
#   BAD_EVERY [10]       one request in this many has a wrong signature
#   MIX_TOLERANCE [0.5]  allowed distance of the share of wrong signatures
#                        among the records from 100/BAD_EVERY %, in points
#   RSS_MAX_RATIO [1.25] largest allowed peak RSS at the end / at EARLY
#   PIN [1]              on 2+ cores, run the listener and the app on CPU 1
#                        and wrk on CPU 0 (taskset)
#   KEEP [0]             1 keeps the work directory (records, logs, samples)
#
# Installs wrk from Debian's packages when missing (as root, or through sudo).
# Loopback only; the load run is bounded in time. The capture file grows by
# about 1.4 KiB a request (some 280 MiB in 60 s on a 2-CPU machine) in
# ${TMPDIR:-/tmp}, removed at the end unless KEEP=1.
set -euo pipefail
export LC_ALL=C # byte-wise sort, comm, awk and grep
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init soak.sh

DURATION=${DURATION:-60}
EARLY=${EARLY:-10}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
BAD_EVERY=${BAD_EVERY:-10}
MIX_TOLERANCE=${MIX_TOLERANCE:-0.5}
RSS_MAX_RATIO=${RSS_MAX_RATIO:-1.25}
PIN=${PIN:-1}
KEEP=${KEEP:-0}
BODY_SIZE=568
SECRET="bench-soak-secret-3e8a51c07f"  # signs the aella deliveries
WRONG_SECRET="bench-soak-wrong-secret-90d2" # signs the 1 in BAD_EVERY

need_positive_ints soak.sh DURATION EARLY CONNECTIONS WRK_THREADS BAD_EVERY
for v in MIX_TOLERANCE RSS_MAX_RATIO; do
  [[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "soak.sh: $v must be a number, not '${!v}'" >&2; exit 2; }
done
((BAD_EVERY >= 2)) || { echo "soak.sh: BAD_EVERY must be at least 2" >&2; exit 2; }
if ((EARLY >= DURATION)); then
  EARLY=$((DURATION / 2))
  ((EARLY >= 1)) || EARLY=1
fi

LUA="$REPO/bench/soak.lua"

# --- tools ------------------------------------------------------------------

need=()
command -v wrk >/dev/null || need+=(wrk)
apt_install ${need[@]+"${need[@]}"}
HAVE_SS=0
command -v ss >/dev/null && HAVE_SS=1

# --- work directory, cleanup -------------------------------------------------

work_dir hooktool-soak

# CPU placement: the listener and the app on CPU 1, wrk on CPU 0.
pin_cpus "listener and app on CPU 1, wrk on CPU 0"

# --- build -------------------------------------------------------------------

build

# --- payload and signatures --------------------------------------------------

# The body of bench/listen.sh: an Aella transfer.completed event.
make_body

# The aella profile: a hex HMAC-SHA512 of the body in X-Aella-Signature. The
# wrong one is the same header made with another secret: well formed, so the
# verdict is signature_mismatch (not malformed_header or missing_header).
export HOOKTOOL_SECRET=$SECRET
"${HK[@]}" sign --provider aella --payload "$BODY" >"$W/good.headers"
HOOKTOOL_SECRET=$WRONG_SECRET "${HK[@]}" sign --provider aella --payload "$BODY" >"$W/bad.headers"
GOOD_SIG=$(sed -nE 's/^X-Aella-Signature: ([0-9a-f]{128})$/\1/p' "$W/good.headers")
BAD_SIG=$(sed -nE 's/^X-Aella-Signature: ([0-9a-f]{128})$/\1/p' "$W/bad.headers")
[[ -n $GOOD_SIG && -n $BAD_SIG && $(wc -l <"$W/good.headers") == 1 && $(wc -l <"$W/bad.headers") == 1 ]] ||
  die "unexpected signatures: $(cat "$W/good.headers" "$W/bad.headers")"
[[ $GOOD_SIG != "$BAD_SIG" ]] || die "the wrong secret made the right signature"

# --- helpers -------------------------------------------------------------------


# mem_kib PID: "VmRSS VmHWM" of a process, in KiB.
mem_kib() { awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print r + 0, h + 0}' "/proc/$1/status" 2>/dev/null || echo "0 0"; }

# time_wait PORT: TCP connections to or from PORT in TIME-WAIT (closed ones).
time_wait() {
  if ((HAVE_SS)); then
    ss -Htan state time-wait "( dport = :$1 or sport = :$1 )" 2>/dev/null | wc -l
  else
    echo -
  fi
}

# active_opens: TCP connections this machine (network namespace) has opened.
active_opens() { awk '/^Tcp:/ {if (!c) {for (i = 1; i <= NF; i++) if ($i == "ActiveOpens") c = i} else print $c}' /proc/net/snmp 2>/dev/null || echo 0; }

# sample_line PID FILE PORT: "VmRSS VmHWM bytes-of-FILE TIME-WAIT".
sample_line() {
  local bytes
  bytes=$(stat -c %s "$2" 2>/dev/null || echo 0)
  echo "$(mem_kib "$1") $bytes $(time_wait "$3")"
}

# sampler PID FILE PORT T0_US: every whole second k after T0 (microseconds
# since the epoch), one line "k VmRSS VmHWM bytes TIME-WAIT" on stdout, until
# PID is gone or the script kills it.
sampler() {
  local pid=$1 file=$2 port=$3 t0=$4 k=1 now wait_us
  while kill -0 "$pid" 2>/dev/null; do
    now=${EPOCHREALTIME/./}
    wait_us=$((t0 + k * 1000000 - now))
    if ((wait_us > 0)); then
      sleep "$(printf '%d.%06d' $((wait_us / 1000000)) $((wait_us % 1000000)))"
    fi
    echo "$k $(sample_line "$pid" "$file" "$port")"
    k=$((k + 1))
  done
}

mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }

# --- servers -------------------------------------------------------------------

"${SRV[@]}" "$W/bare" -ready-file "$W/bare.url" 2>"$W/bare.log" &
BARE_PID=$!
PIDS+=("$BARE_PID")
BARE_URL=$(wait_url "$BARE_PID" "$W/bare.url")
BARE_PORT=${BARE_URL##*:}

# --status 200: with --forward-to and no --status, the sender gets the app's
# answer (bench/bare's is empty), and the records check needs the record id
# that hooktool's own answer carries. The delivery is still forwarded, and
# answered only once the app has answered and the record is written; the
# check below makes sure the app answered 200 for every record.
F="$W/soak.jsonl"
"${SRV[@]}" "${HK[@]}" listen --port 0 --provider aella --save "$F" --fsync --quiet \
  --status 200 --forward-to "$BARE_URL/" --ready-file "$W/hooktool.url" >"$W/hooktool.log" 2>&1 &
HK_PID=$!
PIDS+=("$HK_PID")
HK_URL=$(wait_url "$HK_PID" "$W/hooktool.url")
fstype=$(findmnt -no FSTYPE -T "$W" 2>/dev/null || stat -f -c %T "$W")

# --- the run -------------------------------------------------------------------

say_load
say "soak: ${DURATION}s of wrk -t$WRK_THREADS -c$CONNECTIONS on $HK_URL/ (--save --fsync on $fstype, --forward-to $BARE_URL/), 1 in $BAD_EVERY with a wrong signature, $placement"

hk_t0=$(cpu_ticks "$HK_PID")
bare_t0=$(cpu_ticks "$BARE_PID")
mem0=$(mem_kib "$HK_PID")
opens0=$(active_opens)
t0=${EPOCHREALTIME/./}
sampler "$HK_PID" "$F" "$BARE_PORT" "$t0" >"$W/samples" &
SAMPLER_PID=$!
PIDS+=("$SAMPLER_PID")

BENCH_BODY="$BODY" BENCH_HEADERS="$W/good.headers" SOAK_BAD_HEADERS="$W/bad.headers" \
  SOAK_BAD_EVERY="$BAD_EVERY" BENCH_IDS="$W/ids" \
  "${LOAD[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s "$LUA" "$HK_URL/" >"$W/wrk.out" 2>&1 || die "wrk failed: $(cat "$W/wrk.out")"

kill -0 "$HK_PID" 2>/dev/null || die "the listener exited during the run: $(tail -5 "$W/hooktool.log")"
kill -0 "$BARE_PID" 2>/dev/null || die "the app exited during the run: $(tail -5 "$W/bare.log")"

# The end figures, before the listener is stopped.
t_end=${EPOCHREALTIME/./}
end_sample=$(sample_line "$HK_PID" "$F" "$BARE_PORT")
hk_t1=$(cpu_ticks "$HK_PID")
bare_t1=$(cpu_ticks "$BARE_PID")
opens1=$(active_opens)
stop "$SAMPLER_PID"
stop "$HK_PID" INT # graceful: in-flight deliveries finish, the file is closed
hk_rc=$STOP_RC
stop "$BARE_PID"

LINE=$(grep '^SOAK ' "$W/wrk.out") || die "no SOAK line from wrk: $(cat "$W/wrk.out")"
requests=$(field "$LINE" requests)
answered=$(field "$LINE" ok)
non2xx=$(field "$LINE" non2xx)
errors=$(field "$LINE" errors)
sent=$(field "$LINE" sent)
bad_sent=$(field "$LINE" bad_sent)
rps=$(field "$LINE" rps)
wrk_latency=$(awk '/Latency Distribution/ {f = 1; next} f && /%/ {printf "%s%s %s", (n++ ? ", " : ""), $1, $2; next} f {f = 0}' "$W/wrk.out")

# --- records check (as bench/listen.sh) ---------------------------------------

# One pass over F: the id and remote address of every record, in file order
# (a record starts {"v":1,"id":"ID","received_at":"T","remote_addr":"ADDR"),
# and counts: records, well-formed starts, right and wrong signatures and
# their verdicts, answers 200, forwards answered 200.
read -r kept fmt good good_valid bad bad_mismatch ans200 fwd200 < <(
  awk -F'"' -v ids="$F.ids" \
    -v good_h="\"X-Aella-Signature\":[\"$GOOD_SIG\"]" \
    -v bad_h="\"X-Aella-Signature\":[\"$BAD_SIG\"]" \
    -v valid_v='"verdict":{"scheme":"hmac","valid":true,"reason":"valid"' \
    -v mismatch_v='"verdict":{"scheme":"hmac","valid":false,"reason":"signature_mismatch"' \
    -v ans='"answer":{"status":200}' \
    -v fwd="\"forward\":{\"url\":\"$BARE_URL/\",\"status\":200," '
    {n++}
    $2 == "v" && $4 == "id" && $8 == "received_at" && $12 == "remote_addr" {print $6, $14 > ids; fm++}
    index($0, good_h) {g++; if (index($0, valid_v)) gv++}
    index($0, bad_h) {b++; if (index($0, mismatch_v)) bm++}
    index($0, ans) {a++}
    index($0, fwd) {fw++}
    END {print n + 0, fm + 0, g + 0, gv + 0, b + 0, bm + 0, a + 0, fw + 0}' "$F"
)
touch "$F.ids"
sort "$W/ids" >"$W/ids.sorted"
got=$(wc -l <"$W/ids.sorted")
cut -d' ' -f1 "$F.ids" | sort >"$F.sorted"
dup=$(($(wc -l <"$F.sorted") - $(sort -u "$F.sorted" | wc -l) + got - $(sort -u "$W/ids.sorted" | wc -l)))
missing=$(comm -23 "$W/ids.sorted" "$F.sorted" | wc -l)
comm -13 "$W/ids.sorted" "$F.sorted" >"$F.unanswered"
inflight=$(wc -l <"$F.unanswered")
# the last record of each connection (remote address)
awk '{last[$2] = $1} END {for (a in last) print last[a]}' "$F.ids" | sort >"$F.last"
notlast=$(comm -23 "$F.unanswered" "$F.last" | wc -l)

FAILED=0
why=()
((got == answered)) || why+=("wrk counted $answered answers below 400 but $got carried an id")
((missing == 0)) || why+=("$missing answered deliveries have no record")
((notlast == 0)) || why+=("$notlast unanswered records were not the last of their connection")
((inflight <= CONNECTIONS)) || why+=("$inflight unanswered records, more than the $CONNECTIONS in flight")
((fmt == kept)) || why+=("$((kept - fmt)) records not in the expected format")
((dup == 0)) || why+=("$dup duplicate ids")
((ans200 == kept)) || why+=("$((kept - ans200)) records not answered 200")
((non2xx == 0)) || why+=("$non2xx answers of 400 or more")
((errors == 0)) || why+=("$errors socket errors")
((hk_rc == 0)) || why+=("the listener exited $hk_rc after SIGINT")
if ((${#why[@]})); then
  records_verdict="FAIL ($(printf '%s; ' "${why[@]}" | sed 's/; $//'))"
  FAILED=1
else
  records_verdict=PASS
fi

# --- signature mix --------------------------------------------------------------

bad_pct=$(awk -v b="$bad" -v n="$kept" 'BEGIN {printf "%.3f", n ? 100 * b / n : 0}')
want_pct=$(awk -v e="$BAD_EVERY" 'BEGIN {printf "%.3f", 100 / e}')
why=()
awk -v p="$bad_pct" -v w="$want_pct" -v t="$MIX_TOLERANCE" 'BEGIN {d = p - w; exit !(d <= t && -d <= t)}' ||
  why+=("${bad_pct}% of the records have the wrong signature, not ${want_pct}% +- $MIX_TOLERANCE")
((good + bad == kept)) || why+=("$((kept - good - bad)) records with neither signature")
((good_valid == good)) || why+=("$((good - good_valid)) rightly signed records without the verdict valid")
((bad_mismatch == bad)) || why+=("$((bad - bad_mismatch)) wrongly signed records without the verdict signature_mismatch")
((bad <= bad_sent && kept <= sent)) || why+=("more records ($kept, $bad wrong) than wrk sent ($sent, $bad_sent wrong)")
if ((${#why[@]})); then
  mix_verdict="FAIL ($(printf '%s; ' "${why[@]}" | sed 's/; $//'))"
  FAILED=1
else
  mix_verdict=PASS
fi

# --- forward ----------------------------------------------------------------------

if ((fwd200 == kept)); then fwd_verdict=PASS; else
  fwd_verdict="FAIL ($((kept - fwd200)) records not forwarded with the app's answer 200)"
  FAILED=1
fi

# --- memory -------------------------------------------------------------------------

# The peak RSS up to a moment is the largest VmHWM or VmRSS read up to then:
# the kernel updates the high-water mark lazily and shows the current RSS when
# that is above it, so a VmHWM read later can be lower than one read earlier.
read -r end_rss end_hwm end_bytes _ <<<"$end_sample"
read -r start_rss start_hwm <<<"$mem0"
# at EARLY: the sample taken then, and the peak of the samples up to it
read -r early_rss early_hwm < <(awk -v k="$EARLY" -v p="$start_hwm" '
  $1 <= k {if ($2 > p) p = $2; if ($3 > p) p = $3}
  $1 == k {r = $2; f = 1; exit}
  END {print r + 0, f ? p : 0}' "$W/samples")
# at the end: the peak of every sample and the end figures
end_hwm=$(awk -v p="$end_hwm" -v r="$end_rss" 'BEGIN {if (r > p) p = r} {if ($2 > p) p = $2; if ($3 > p) p = $3} END {print p}' "$W/samples")
if ((early_hwm > 0)); then
  rss_ratio=$(awk -v a="$end_hwm" -v b="$early_hwm" 'BEGIN {printf "%.3f", a / b}')
  if awk -v r="$rss_ratio" -v m="$RSS_MAX_RATIO" 'BEGIN {exit !(r <= m)}'; then rss_verdict=PASS; else
    rss_verdict=FAIL
    FAILED=1
  fi
else
  rss_ratio=0
  rss_verdict="FAIL (no sample at ${EARLY}s)"
  FAILED=1
fi

# --- table ----------------------------------------------------------------------------

elapsed=$(awk -v a="$t0" -v b="$t_end" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
hk_cpu=$(awk -v d=$((hk_t1 - hk_t0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", n ? d * 1e6 / hz / n : 0}')
bare_cpu=$(awk -v d=$((bare_t1 - bare_t0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", n ? d * 1e6 / hz / n : 0}')
rec_bytes=$(awk -v s="$end_bytes" -v n="$kept" 'BEGIN {printf "%.0f", n ? s / n : 0}')
# the timeline: a row every STEP seconds
STEP=10
((DURATION >= 30)) || STEP=$(((DURATION + 4) / 5))
us() { awk -v u="$1" 'BEGIN {if (u >= 1000) printf "%.2f ms", u / 1000; else printf "%d us", u}'; }
{
  echo
  echo "soak: hooktool listen --provider aella --save F --fsync --quiet --status 200 --forward-to bare,"
  echo "      ${DURATION}s of wrk -t$WRK_THREADS -c$CONNECTIONS, 1 in $BAD_EVERY with a wrong signature; $placement; F on $fstype"
  echo
  printf '%-26s %s\n' "requests/s" "$(printf '%.0f' "$rps")   ($requests answers in ${DURATION}s; $non2xx non-2xx, $errors socket errors)"
  printf '%-26s %s\n' "latency" "p50 $(us "$(field "$LINE" p50_us)"), p90 $(us "$(field "$LINE" p90_us)"), p99 $(us "$(field "$LINE" p99_us)"), max $(us "$(field "$LINE" max_us)")"
  printf '%-26s %s\n' "wrk --latency" "$wrk_latency"
  printf '%-26s %s\n' "CPU per request" "listener $hk_cpu us, app (bare) $bare_cpu us (user+system)"
  printf '%-26s %s\n' "TCP connections opened" "$((opens1 - opens0)) during the run (the whole machine; wrk's are $CONNECTIONS), $(awk -v o=$((opens1 - opens0 - CONNECTIONS)) -v n="$kept" 'BEGIN {printf "%.2f", n ? o / n : 0}') per record"
  printf '%-26s %s\n' "listener RSS at start" "VmRSS $(mib "$start_rss") (before the first request)"
  printf '%-26s %s\n' "peak RSS up to ${EARLY}s" "$(mib "$early_hwm")   (VmRSS then $(mib "$early_rss"))"
  printf '%-26s %s\n' "peak RSS up to ${DURATION}s" "$(mib "$end_hwm")   (VmRSS then $(mib "$end_rss"); read at ${elapsed}s, as wrk ended)"
  printf '%-26s %s\n' "peak RSS ${DURATION}s / ${EARLY}s" "$(printf '%.2f' "$rss_ratio")x   $rss_verdict (limit ${RSS_MAX_RATIO}x)"
  printf '%-26s %s\n' "zero lost records" "$records_verdict: $answered answered 2xx, $missing of them without a record;"
  printf '%-26s %s\n' "" "$kept records = $((got - missing)) answered + $inflight in flight when wrk stopped"
  printf '%-26s %s\n' "signature mix" "$mix_verdict: $bad of $kept records (${bad_pct}%; want ${want_pct}% +- $MIX_TOLERANCE) wrongly signed,"
  printf '%-26s %s\n' "" "$bad_mismatch signature_mismatch; $good_valid of $good rightly signed valid (wrk sent $bad_sent of $sent wrong)"
  printf '%-26s %s\n' "forwarded" "$fwd_verdict: $fwd200 of $kept records forwarded, the app answered 200"
  printf '%-26s %s\n' "capture file" "$(awk -v b="$end_bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}'), $rec_bytes bytes a record"
  echo
  printf '%6s %11s %11s %11s %11s\n' time records/s VmRSS VmHWM TIME-WAIT
  awk -v step="$STEP" -v rb="$rec_bytes" -v dur="$DURATION" -v end="$end_sample" '
    function row(t, r, h, b, tw, dt) {
      printf "%5ss %11.0f %7.1f MiB %7.1f MiB %11s\n", t, rb && dt ? (b - pb) / rb / dt : 0, r / 1024, h / 1024, tw
      pb = b; pt = t
    }
    $1 % step == 0 && $1 < dur {row($1, $2, $3, $4, $5, $1 - pt)}
    END {split(end, e, " "); row(dur, e[1], e[2], e[3], e[4], dur - pt)}' "$W/samples"
  echo "(records/s from the growth of F over each interval; TIME-WAIT: closed TCP connections to or from"
  echo " the app's port, the listener's forward connections; the last row is read as wrk ended)"
}

((FAILED == 0)) || { say "soak.sh: FAIL (see above)"; exit 1; }
