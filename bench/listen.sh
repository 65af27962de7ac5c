#!/usr/bin/env bash
# bench/listen.sh: throughput of `hooktool listen --save F --quiet` with
# signature verification on, against the floor (a bare Go net/http server
# that reads the body and answers 200, bench/bare), a plain net/http handler
# doing the same work (HMAC check, JSON record with the verdict written
# before the answer, bench/samework) and a peer that keeps each JSON
# delivery in a file (Debian's json2file-go), on loopback, with the same
# 568-byte signed body and 32 connections. It also checks that hooktool lost
# no record: every 2xx answer it gave (matched by the id in its answer body)
# has its record in F.
#
# hooktool+ui is the same listener with the inspector (`listen --save --ui`)
# while a page-like client (bench/pageclient, on the load generator's CPU)
# follows its live events as the open page does: the first page (GET
# /api/deliveries), then /api/events with the run's token, listing again on
# each reset. The table gives its requests/s and peak RSS next to
# hooktool's, as ratios (target >= 0.9x the requests/s).
#
# Usage: bash bench/listen.sh     (from anywhere; see bench/README.md)
#
# Environment (defaults in brackets):
#   ROUNDS [3]        measured rounds per server; the median is reported
#   DURATION [5]      seconds of one measured wrk run
#   WARMUP [1]        seconds of wrk just before it, on the same server process
#   CONNECTIONS [32]  wrk connections (and hey workers)
#   WRK_THREADS [1]   wrk threads
#   PIN [1]           on 2+ cores, run the servers on CPU 1 and the load
#                     generators on CPU 0 (taskset), so they do not compete
#   HEY [1]           also cross-check hooktool with hey (0 skips it)
#   HEY_DURATION [3]  seconds of the hey run
#   KEEP [0]          1 keeps the work directory (records, logs) and prints it
#   SERVERS [bare same-work hooktool hooktool+ui json2file-go]
#                     the servers to run, in this order each round (a ratio
#                     is printed when both of its servers ran)
#
# Installs wrk, hey and json2file-go from Debian's packages when missing (as
# root, or through sudo). Loopback only; every load run is bounded in time.
set -euo pipefail
export LC_ALL=C # byte-wise sort, comm, awk and grep
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init listen.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
PIN=${PIN:-1}
HEY=${HEY:-1}
HEY_DURATION=${HEY_DURATION:-3}
KEEP=${KEEP:-0}
SERVERS=${SERVERS:-bare same-work hooktool hooktool+ui json2file-go}
BODY_SIZE=568
SECRET="bench-listen-secret-6b1f0c2e9d"  # signs the aella deliveries
J2F_TOKEN="bench-j2f-token-41d7"        # json2file-go's HMAC key

need_positive_ints listen.sh ROUNDS DURATION WARMUP CONNECTIONS WRK_THREADS HEY_DURATION
read -ra SERVER_LIST <<<"$SERVERS"
((${#SERVER_LIST[@]})) || die "SERVERS names no server"
for name in "${SERVER_LIST[@]}"; do
  case $name in
  bare | same-work | hooktool | hooktool+ui | json2file-go) ;;
  *) die "SERVERS: unknown server $name (bare, same-work, hooktool, hooktool+ui, json2file-go)" ;;
  esac
done
runs() { [[ " $SERVERS " == *" $1 "* ]]; }


LUA="$REPO/bench/post.lua"

# --- tools ------------------------------------------------------------------

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hey >/dev/null || missing+=(hey)
if runs json2file-go; then command -v json2file-go >/dev/null || missing+=(json2file-go); fi
apt_install ${missing[@]+"${missing[@]}"}
J2F=$(command -v json2file-go || true)

# --- work directory, cleanup -------------------------------------------------

work_dir hooktool-bench

# CPU placement: servers on CPU 1, load generators on CPU 0.
pin_cpus "servers on CPU 1, load generator on CPU 0"

# --- build -------------------------------------------------------------------

build
(cd "$REPO" && go build -o "$W/samework" ./bench/samework)
if runs hooktool+ui; then (cd "$REPO" && go build -o "$W/pageclient" ./bench/pageclient); fi

# --- payload and signatures --------------------------------------------------

make_body

# hooktool: the aella profile, a hex HMAC-SHA512 of the body in X-Aella-Signature.
export HOOKTOOL_SECRET=$SECRET
aella_headers "$W/aella.headers"
# json2file-go checks X-Hub-Signature (sha1= or sha256=; it has no SHA-512),
# keyed with the directory's token: HMAC-SHA256 of the same body.
HOOKTOOL_SECRET=$J2F_TOKEN "${HK[@]}" sign --scheme hmac --hmac-hash sha256 \
  --hmac-header X-Hub-Signature --hmac-prefix sha256= --payload "$BODY" >"$W/j2f.headers"
: >"$W/none.headers"

# --- helpers -------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 40000))
    port_open "$p" || { echo "$p"; return; }
  done
  die "no free port found"
}

wait_port() {
  local pid=$1 port=$2 i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    port_open "$port" && return 0
    sleep 0.05
  done
  return 1
}


hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }


# run_wrk URL HEADERS SECONDS [IDS_FILE]: prints post.lua's BENCH line.
run_wrk() {
  local out line
  out=$(BENCH_BODY="$BODY" BENCH_HEADERS="$2" BENCH_IDS="${4:-}" \
    "${LOAD[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${3}s" --timeout 10s -s "$LUA" "$1") ||
    die "wrk failed on $1: $out"
  line=$(grep '^BENCH ' <<<"$out") || die "no BENCH line from wrk: $out"
  echo "$line"
}


declare -A RPS HWM CPU
RECORDS_OK=1
REC_ANSWERED=0 REC_MATCHED=0 REC_KEPT=0 REC_INFLIGHT=0 REC_MISSING=0
J2F_FILES=0 J2F_OK=0
SW_ANSWERED=0 SW_KEPT=0 SW_VALID=0 SW_OK=1
UI_EVENTS=0 UI_RESETS=0 UI_LISTS=0 UI_RECORDS=0

# --- one round per server ----------------------------------------------------

# measure NAME URL HEADERS PID [IDS_PREFIX]: warm-up, then the measured run.
# Sets LAST_WARM and LAST_RUN to the BENCH lines.
measure() {
  local name=$1 url=$2 headers=$3 pid=$4 ids=${5:-}
  LAST_WARM=$(run_wrk "$url" "$headers" "$WARMUP" "${ids:+$ids.warm}")
  local t0 t1
  t0=$(cpu_ticks "$pid")
  LAST_RUN=$(run_wrk "$url" "$headers" "$DURATION" "${ids:+$ids.run}")
  t1=$(cpu_ticks "$pid")
  local rps errs non2xx cpu
  rps=$(field "$LAST_RUN" rps)
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$(field "$LAST_RUN" requests)" 'BEGIN {printf "%.1f", n ? d * 1e6 / hz / n : 0}')
  CPU[$name]+="$cpu "
  errs=$(($(field "$LAST_WARM" errors) + $(field "$LAST_RUN" errors)))
  non2xx=$(($(field "$LAST_WARM" non2xx) + $(field "$LAST_RUN" non2xx)))
  RPS[$name]+="$rps "
  HWM[$name]+="$(hwm_kib "$pid") "
  note "$(printf '%-13s %9.0f req/s  %5.1f us CPU/req  p50 %5d us  p99 %6d us  non-2xx %d  socket errors %d' \
    "$name" "$rps" "$cpu" "$(field "$LAST_RUN" p50_us)" "$(field "$LAST_RUN" p99_us)" "$non2xx" "$errs")"
}

round_bare() {
  rm -f "$W/bare.url"
  "${SRV[@]}" "$W/bare" -ready-file "$W/bare.url" 2>"$W/bare.log" &
  local pid=$!
  PIDS+=("$pid")
  local url
  url=$(wait_url "$pid" "$W/bare.url")
  measure bare "$url/" "$W/none.headers" "$pid"
  stop "$pid"
}

# round_samework ROUND: the same-work reference, with the signed requests
# hooktool gets; its records must number at least its 2xx answers (each
# is written before its answer) and all say the signature is valid.
round_samework() {
  local r=$1 f="$W/samework.$1.jsonl"
  rm -f "$W/samework.url" "$f"
  HOOKTOOL_SECRET=$SECRET "${SRV[@]}" "$W/samework" -save "$f" -ready-file "$W/samework.url" 2>"$W/samework.log" &
  local pid=$!
  PIDS+=("$pid")
  local url
  url=$(wait_url "$pid" "$W/samework.url")
  measure same-work "$url/" "$W/aella.headers" "$pid"
  stop "$pid"
  local answered kept valid
  answered=$(($(field "$LAST_WARM" ok) + $(field "$LAST_RUN" ok)))
  kept=$(wc -l <"$f")
  valid=$(grep -c '"verdict":{"scheme":"hmac","valid":true' "$f" || true)
  SW_ANSWERED=$((SW_ANSWERED + answered))
  SW_KEPT=$((SW_KEPT + kept))
  SW_VALID=$((SW_VALID + valid))
  ((kept >= answered && valid == kept)) || SW_OK=0
  [[ $KEEP == 1 ]] || rm -f "$f"
}

# check_records ROUND F IDS_PREFIX: every answer below 400 that wrk got from
# hooktool names (by its "id") a record in F, and every record of F that wrk
# saw no answer for was the last request of its connection, in flight when
# wrk stopped.
check_records() {
  local r=$1 f=$2 ids=$3 answered kept missing inflight notlast dup badfmt valid ok200
  answered=$(($(field "$LAST_WARM" ok) + $(field "$LAST_RUN" ok)))
  cat "$ids.warm" "$ids.run" | sort >"$ids.sorted"
  local got
  got=$(wc -l <"$ids.sorted")
  # id and remote address of every record, in file order
  # (a record starts {"v":1,"id":"ID","received_at":"T","remote_addr":"ADDR")
  awk -F'"' '$2 == "v" && $4 == "id" && $8 == "received_at" && $12 == "remote_addr" {print $6, $14}' "$f" >"$f.ids"
  kept=$(wc -l <"$f")
  badfmt=$((kept - $(wc -l <"$f.ids")))
  valid=$(grep -c '"verdict":{"scheme":"hmac","valid":true' "$f" || true)
  ok200=$(grep -c '"answer":{"status":200}' "$f" || true)
  cut -d' ' -f1 "$f.ids" | sort >"$f.sorted"
  dup=$(($(wc -l <"$f.sorted") - $(sort -u "$f.sorted" | wc -l) + got - $(sort -u "$ids.sorted" | wc -l)))
  missing=$(comm -23 "$ids.sorted" "$f.sorted" | wc -l)
  comm -13 "$ids.sorted" "$f.sorted" >"$f.unanswered"
  inflight=$(wc -l <"$f.unanswered")
  # the last record of each connection (remote address)
  awk '{last[$2] = $1} END {for (a in last) print last[a]}' "$f.ids" | sort >"$f.last"
  notlast=$(comm -23 "$f.unanswered" "$f.last" | wc -l)
  local verdict=PASS why=()
  ((got == answered)) || why+=("wrk counted $answered answers below 400 but $got carried an id")
  ((missing == 0)) || why+=("$missing answered deliveries have no record")
  ((notlast == 0)) || why+=("$notlast unanswered records were not the last of their connection")
  ((inflight <= 2 * CONNECTIONS)) || why+=("$inflight unanswered records, more than 2 x $CONNECTIONS in flight")
  ((badfmt == 0)) || why+=("$badfmt records not in the expected format")
  ((dup == 0)) || why+=("$dup duplicate ids")
  ((valid == kept)) || why+=("$((kept - valid)) records without a valid signature verdict")
  ((ok200 == kept)) || why+=("$((kept - ok200)) records not answered 200")
  if ((${#why[@]})); then
    verdict=FAIL
    RECORDS_OK=0
  fi
  REC_ANSWERED=$((REC_ANSWERED + answered))
  REC_MATCHED=$((REC_MATCHED + got - missing))
  REC_KEPT=$((REC_KEPT + kept))
  REC_INFLIGHT=$((REC_INFLIGHT + inflight))
  REC_MISSING=$((REC_MISSING + missing))
  local reasons=""
  ((${#why[@]} == 0)) || reasons=" ($(printf '%s; ' "${why[@]}" | sed 's/; $//'))"
  note "records round $r: $verdict: $answered answered 2xx, $kept records, $missing answered without record, $inflight kept but in flight when wrk stopped$reasons"
}

round_hooktool() {
  local r=$1 f="$W/hooktool.$1.jsonl"
  rm -f "$W/hooktool.url" "$f"
  HOOKTOOL_SECRET=$SECRET "${SRV[@]}" "${HK[@]}" listen --port 0 --provider aella \
    --save "$f" --quiet --ready-file "$W/hooktool.url" >"$W/hooktool.$r.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local url
  url=$(wait_url "$pid" "$W/hooktool.url")
  measure hooktool "$url/" "$W/aella.headers" "$pid" "$W/hooktool.$r.ids"
  stop "$pid" INT # graceful: in-flight deliveries finish, the file is closed
  check_records "$r" "$f" "$W/hooktool.$r.ids"
}

# round_hookui ROUND: hooktool's round with the inspector (--ui on a free
# port) and bench/pageclient following it as the open page does; the
# records are checked as hooktool's are.
round_hookui() {
  local r=$1 f="$W/hookui.$1.jsonl" log="$W/hookui.$1.log" page="$W/hookui.$1.page"
  rm -f "$W/hookui.url" "$W/page.ready" "$f" "$page"
  HOOKTOOL_SECRET=$SECRET "${SRV[@]}" "${HK[@]}" listen --port 0 --provider aella \
    --save "$f" --quiet --ui --ui-port 0 --ready-file "$W/hookui.url" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local url ui
  url=$(wait_url "$pid" "$W/hookui.url")
  # The inspector's URL, with its token, said on stderr before the listener is ready.
  ui=$(sed -nE 's#^hooktool: inspector on (http://127\.0\.0\.1:[0-9]+/\?token=[A-Za-z0-9]+) .*#\1#p' "$log" | head -1)
  [[ -n $ui ]] || die "listen --ui said no inspector URL: $(tail -3 "$log")"
  "${LOAD[@]}" "$W/pageclient" -url "$ui" -ready-file "$W/page.ready" >"$page" 2>>"$log" &
  local cpid=$!
  PIDS+=("$cpid")
  wait_url "$cpid" "$W/page.ready" >/dev/null
  measure hooktool+ui "$url/" "$W/aella.headers" "$pid" "$W/hookui.$r.ids"
  stop "$pid" INT # graceful: the event stream ends, the file is closed
  stop "$cpid"    # it has ended with the stream, and said what it saw
  check_records "$r+ui" "$f" "$W/hookui.$r.ids"
  local line events resets lists kept
  line=$(grep '^PAGE ' "$page") || die "the page client said nothing: $(tail -3 "$log")"
  events=$(field "$line" events)
  resets=$(field "$line" resets)
  lists=$(field "$line" lists)
  kept=$(wc -l <"$f")
  UI_EVENTS=$((UI_EVENTS + events))
  UI_RESETS=$((UI_RESETS + resets))
  UI_LISTS=$((UI_LISTS + lists))
  UI_RECORDS=$((UI_RECORDS + kept))
  note "page client round $r: $events delivery events, $resets resets, $lists lists, for $kept records"
  [[ $KEEP == 1 ]] || rm -f "$f"
}

round_j2f() {
  local r=$1 base="$W/j2f.$1" port pid tries
  mkdir -p "$base/hooks"
  for ((tries = 0; tries < 5; tries++)); do
    port=$(free_port)
    J2F_BASEDIR="$base" J2F_DIRLIST="hooks:$J2F_TOKEN" J2F_BIND="127.0.0.1:$port" \
      "${SRV[@]}" "$J2F" >/dev/null 2>"$W/j2f.log" &
    pid=$!
    PIDS+=("$pid")
    wait_port "$pid" "$port" && break
    stop "$pid"
    pid=
  done
  [[ -n $pid ]] || die "json2file-go did not start: $(tail -3 "$W/j2f.log")"
  measure json2file-go "http://127.0.0.1:$port/hooks" "$W/j2f.headers" "$pid"
  stop "$pid"
  J2F_OK=$((J2F_OK + $(field "$LAST_WARM" ok) + $(field "$LAST_RUN" ok)))
  J2F_FILES=$((J2F_FILES + $(find "$base/hooks" -type f | wc -l)))
  rm -rf "$base"
}

# --- run -------------------------------------------------------------------------

say_load
say "bench: ${BODY_SIZE}-byte signed body, $CONNECTIONS connections, wrk -t$WRK_THREADS, ${WARMUP}s warm-up + ${DURATION}s measured, $ROUNDS rounds, $placement"
for ((r = 1; r <= ROUNDS; r++)); do
  say "round $r/$ROUNDS"
  for name in "${SERVER_LIST[@]}"; do
    case $name in
    bare) round_bare "$r" ;;
    same-work) round_samework "$r" ;;
    hooktool) round_hooktool "$r" ;;
    hooktool+ui) round_hookui "$r" ;;
    json2file-go) round_j2f "$r" ;;
    esac
  done
done

# hey: a second load generator on hooktool. hey finishes the requests in
# flight when its time is up, so here the records must equal the 200s exactly.
HEY_LINE=""
HEY_OK=1
if [[ $HEY == 1 ]] && runs hooktool; then
  f="$W/hooktool.hey.jsonl"
  rm -f "$W/hooktool.url"
  HOOKTOOL_SECRET=$SECRET "${SRV[@]}" "${HK[@]}" listen --port 0 --provider aella \
    --save "$f" --quiet --ready-file "$W/hooktool.url" >"$W/hooktool.hey.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  url=$(wait_url "$pid" "$W/hooktool.url")
  "${LOAD[@]}" hey -z "${HEY_DURATION}s" -c "$CONNECTIONS" -m POST -T application/json \
    -H "$(cat "$W/aella.headers")" -D "$BODY" "$url/" >"$W/hey.out" 2>&1 || die "hey failed: $(tail -5 "$W/hey.out")"
  stop "$pid" INT
  hey_rps=$(awk '/Requests\/sec:/ {print $2}' "$W/hey.out")
  hey_200=$(awk '/\[200\]/ {print $2}' "$W/hey.out")
  hey_200=${hey_200:-0}
  hey_other=$(awk '/^  \[[0-9]+\]/ && !/\[200\]/ {n += $2} END {print n + 0}' "$W/hey.out")
  hey_err=$(awk '/^Error distribution:/ {e = 1; next} e && /^  \[[0-9]+\]/ {n += substr($1, 2, length($1) - 2)} END {print n + 0}' "$W/hey.out")
  hey_kept=$(wc -l <"$f")
  if ((hey_kept == hey_200 && hey_other == 0 && hey_err == 0)); then hey_verdict=PASS; else
    hey_verdict=FAIL
    HEY_OK=0
  fi
  HEY_LINE="$(printf 'hey cross-check (hooktool, %ss): %.0f req/s; %s: %d answered 200, %d records, %d other statuses, %d errors' \
    "$HEY_DURATION" "$hey_rps" "$hey_verdict" "$hey_200" "$hey_kept" "$hey_other" "$hey_err")"
fi

# --- table -----------------------------------------------------------------------

declare -A MED PEAK MEDCPU
{
  echo
  printf '%-13s' server
  for ((r = 1; r <= ROUNDS; r++)); do printf ' %9s' "round $r"; done
  printf ' %9s %12s %10s\n' median "CPU us/req" "peak RSS"
  for name in "${SERVER_LIST[@]}"; do
    read -ra v <<<"${RPS[$name]}"
    MED[$name]=$(printf '%s\n' "${v[@]}" | median)
    MEDCPU[$name]=$(tr ' ' '\n' <<<"${CPU[$name]}" | grep . | median)
    PEAK[$name]=$(tr ' ' '\n' <<<"${HWM[$name]}" | grep . | sort -g | tail -1)
    printf '%-13s' "$name"
    for x in "${v[@]}"; do printf ' %9.0f' "$x"; done
    printf ' %9.0f %12.1f %6.1f MiB\n' "${MED[$name]}" "${MEDCPU[$name]}" "$(awk -v k="${PEAK[$name]}" 'BEGIN {print k / 1024}')"
  done
  echo "(requests/s in the measured runs; CPU us/req is the server's user+system CPU time per"
  echo " request, median of rounds; peak RSS is the largest VmHWM of a round's process)"
  echo
  both() { [[ -n ${MED[$1]:-} && -n ${MED[$2]:-} ]]; }
  mib() { awk -v k="$1" 'BEGIN {print k / 1024}'; }
  if both hooktool same-work; then
    printf 'hooktool / same-work     %5.2fx   (target >= 1.0x; CPU per request %.2fx same-work'"'"'s)\n' \
      "$(ratio "${MED[hooktool]}" "${MED[same-work]}")" "$(ratio "${MEDCPU[hooktool]}" "${MEDCPU[same-work]}")"
  fi
  if both hooktool bare; then
    printf 'hooktool / bare          %5.2fx   (target >= 0.5x; CPU per request %.2fx bare'"'"'s)\n' \
      "$(ratio "${MED[hooktool]}" "${MED[bare]}")" "$(ratio "${MEDCPU[hooktool]}" "${MEDCPU[bare]}")"
  fi
  if both hooktool json2file-go; then
    printf 'hooktool / json2file-go  %5.2fx   (target >= 3x)\n' "$(ratio "${MED[hooktool]}" "${MED[json2file-go]}")"
  fi
  if both hooktool+ui hooktool; then
    printf 'hooktool+ui / hooktool   %5.2fx   (target >= 0.9x: listen --save --ui, a client following its live events; CPU per request %.2fx)\n' \
      "$(ratio "${MED[hooktool+ui]}" "${MED[hooktool]}")" "$(ratio "${MEDCPU[hooktool+ui]}" "${MEDCPU[hooktool]}")"
    printf 'peak RSS +ui / without   %5.2fx   (%.1f MiB with --ui, %.1f MiB without)\n' \
      "$(ratio "${PEAK[hooktool+ui]}" "${PEAK[hooktool]}")" "$(mib "${PEAK[hooktool+ui]}")" "$(mib "${PEAK[hooktool]}")"
  fi
  if runs hooktool; then
    printf 'hooktool peak RSS        %5.1f MiB\n' "$(mib "${PEAK[hooktool]}")"
  fi
  if runs hooktool+ui; then
    echo "page client              $UI_EVENTS delivery events, $UI_RESETS resets (each listed again: $UI_LISTS lists), for $UI_RECORDS records kept with --ui"
  fi
  if ((RECORDS_OK)); then verdict=PASS; else verdict=FAIL; fi
  echo "zero lost records        $verdict: $REC_ANSWERED deliveries answered 2xx, $REC_MISSING of them without a record;"
  echo "                         $REC_KEPT records = $REC_MATCHED answered + $REC_INFLIGHT in flight when wrk stopped"
  if runs same-work; then
    if ((SW_OK)); then verdict=PASS; else verdict=FAIL; fi
    echo "same-work records        $verdict: $SW_KEPT records, $SW_VALID with a valid signature, for $SW_ANSWERED 2xx answers"
  fi
  if runs json2file-go; then
    echo "json2file-go files       $J2F_FILES files for $J2F_OK 2xx answers (not checked: in-flight requests make the difference)"
  fi
  [[ -z $HEY_LINE ]] || echo "$HEY_LINE"
}

((RECORDS_OK && HEY_OK && SW_OK)) || { say "listen.sh: FAIL: the records check failed (see above)"; exit 1; }
