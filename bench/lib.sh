# shellcheck shell=bash disable=SC2034,SC2153 # sets and reads the scripts' variables
# bench/lib.sh: what bench/listen.sh, bench/replay.sh and bench/soak.sh
# share. Sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init NAME     (NAME, such as listen.sh, prefixes the messages)
#
# It defines functions and sets REPO, BENCH_NAME and CLK_TCK; the functions
# below set W, PIDS, SRV, LOAD, placement, HK and BODY for the script.

# bench_init NAME: the script's name for its messages, the repository root,
# and a PATH with go, ss and friends.
bench_init() {
  BENCH_NAME=$1
  REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
}

say() { printf '%s\n' "$*" >&2; }
die() { say "$BENCH_NAME: $*"; exit 1; }
note() { printf '  %s\n' "$*" >&2; }

# need_positive_ints NAME VAR...: exit 2 unless every VAR is a positive integer.
need_positive_ints() {
  local name=$1 v
  shift
  for v in "$@"; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$name: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
  done
}

# apt_install PACKAGE...: install the missing PACKAGEs (none: nothing) from
# Debian's packages, as root or through sudo; then make sure go is on PATH.
apt_install() {
  local sudo=()
  if (($#)); then
    say "installing $* from Debian's packages"
    if [[ $(id -u) == 0 ]]; then
      sudo=()
    elif command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      die "need $*: run as root or install sudo (apt-get install $*)"
    fi
    "${sudo[@]+"${sudo[@]}"}" apt-get update -qq
    "${sudo[@]+"${sudo[@]}"}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
  command -v go >/dev/null || die "go is not on PATH"
}

# work_dir PREFIX: the work directory W (${TMPDIR:-/tmp}/PREFIX.XXXXXX), and
# on exit: stop the processes in PIDS, remove W (or keep it when KEEP=1).
work_dir() {
  W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  PIDS=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ $KEEP == 1 ]]; then
    say "$BENCH_NAME: kept $W"
  else
    rm -rf "$W"
  fi
}

# pin_cpus PLACEMENT: with PIN=1 on 2+ cores, SRV runs a command on CPU 1 and
# LOAD on CPU 0 (taskset), and placement is PLACEMENT; else both are empty.
pin_cpus() {
  SRV=()
  LOAD=()
  if [[ $PIN == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
    SRV=(taskset -c 1)
    LOAD=(taskset -c 0)
    placement=$1
  else
    placement="not pinned ($(nproc) CPUs shared)"
  fi
}

# build: hooktool and bench/bare into W.
build() {
  say "building hooktool and bench/bare"
  (cd "$REPO" && go build -o "$W/hooktool" ./cmd/hooktool && go build -o "$W/bare" ./bench/bare)
}

# make_body: an empty config (HK runs hooktool with it, so that no
# ./hooktool.yaml or user config changes the run) and BODY, the 568-byte
# Aella transfer.completed event every script sends.
make_body() {
  : >"$W/config.yaml"
  HK=("$W/hooktool" --config "$W/config.yaml")
  BODY="$W/body.json"
  printf '%s' '{"event":"transfer.completed","timestamp":"2026-01-15T10:30:00.000Z","data":{"id":"9caf8957-5628-4dad-9395-bfc09edcfc87","narration":"Paid for order","status":"Success","amount":10000,"fee":0,"externalReference":"order-83900","currency":"NGN","sessionId":null,"senderName":"Merchant Name","senderBank":"Aella MFB","senderAccountNumber":"9326455183","receiverName":"JOHN DOE","receiverBank":"GTBANK PLC","receiverAccountNumber":"2680740489","receiverBankCode":"000013","environment":"LIVE","createdAt":"2026-01-15T10:29:58.000Z","updatedAt":"2026-01-15T10:29:58.000Z"}}' >"$BODY"
  local size
  size=$(wc -c <"$BODY")
  ((size == BODY_SIZE)) || die "the body is $size bytes, not $BODY_SIZE"
}

# aella_headers FILE: the aella profile's header for BODY (a hex HMAC-SHA512
# in X-Aella-Signature, keyed with HOOKTOOL_SECRET) into FILE, checked.
aella_headers() {
  "${HK[@]}" sign --provider aella --payload "$BODY" >"$1"
  grep -Eq '^X-Aella-Signature: [0-9a-f]{128}$' "$1" || die "unexpected signature: $(cat "$1")"
}

say_load() { say "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min); run on an idle machine for steady numbers"; }

# wait_url PID FILE: wait for a ready file holding a URL.
wait_url() {
  local pid=$1 file=$2 i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || die "server $pid exited before it was ready"
    if [[ -s $file ]]; then
      head -1 "$file"
      return
    fi
    sleep 0.05
  done
  die "server $pid not ready after 5 s"
}

# stop PID [SIGNAL]: stop a process this script started and wait for it;
# its exit status is left in STOP_RC.
STOP_RC=0
stop() {
  local keep=() p
  STOP_RC=0
  kill -"${2:-TERM}" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || STOP_RC=$?
  for p in "${PIDS[@]}"; do
    [[ $p == "$1" ]] || keep+=("$p")
  done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
CLK_TCK=$(getconf CLK_TCK)

# field LINE NAME: a value from a wrk script's one-line summary (BENCH, SOAK).
field() { sed -nE "s/.* $2=([^ ]+).*/\1/p" <<<"$1"; }

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print b ? a / b : 0}'; }
