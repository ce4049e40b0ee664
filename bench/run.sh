#!/usr/bin/env bash
# bench/run.sh runs hawser side by side with HAProxy against one NGINX
# backend, and writes docs/benchmarks.md from the measurements.
#
#   bench/run.sh                       # 5 rounds of 8 s per target
#   ROUNDS=3 DURATION=5 bench/run.sh   # quicker
#
# Environment (defaults in brackets):
#   ROUNDS [5]       measured rounds; each round runs every target once
#   DURATION [8]     seconds per measured run
#   WARMUP [3]       seconds of warm-up per target before the rounds
#   CONNS [50]       wrk connections
#   TARGETS ["direct hawser haproxy"]   which targets, see target_* below
#   SCENARIOS ["keepalive_small"]       which scenarios, see scenario_* below
#   BASE_PORT [18080]  first loopback port; backend and targets use the next few
#   OUT [docs/benchmarks.md]            report path, relative to the repo
#   BUILD_FROM [head]  head: build commit BUILD_REV; worktree: build local changes
#   BUILD_REV [HEAD]   the commit to build when BUILD_FROM=head
#
# Extending: a new proxy is a target_<name>_start function (write its
# config, start it in the foreground with `spawn`, set TARGET_PID and
# TARGET_PORT) plus target_<name>_version; a new scenario is a
# scenario_<name> function that sets SC_TITLE, SC_DESC, SC_PATH and
# SC_WRK_ARGS. Add the name to TARGETS or SCENARIOS.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-50}
TARGETS=${TARGETS:-"direct hawser haproxy"}
SCENARIOS=${SCENARIOS:-"keepalive_small"}
BASE_PORT=${BASE_PORT:-18080}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-docs/benchmarks.md}
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$REPO/bench/results/$RUN_ID
WORK=$(mktemp -d /tmp/hawser-bench.XXXXXX)
LUA=$REPO/bench/wrk/summary.lua
CLK_TCK=$(getconf CLK_TCK)

BACKEND_PORT=$BASE_PORT
BACKEND_PID=""
BACKEND_WORKER=""
declare -A TARGET_PID=() TARGET_PORT=()
SPAWNED=() # every process this script started, for cleanup

log() { printf '[bench] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# cleanup stops every process spawn started: TERM first, KILL whatever is
# still there after two seconds. It runs on any exit, including failures.
cleanup() {
	local pid i
	for pid in "${SPAWNED[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for i in $(seq 20); do
		local alive=0
		for pid in "${SPAWNED[@]}"; do
			if kill -0 "$pid" 2>/dev/null; then
				alive=1
			fi
		done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${SPAWNED[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# spawn starts a command in the background, remembers its pid for cleanup
# and leaves it in SPAWN_PID. Its output goes to $WORK/<name>.log.
spawn() {
	local name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	SPAWN_PID=$!
	SPAWNED+=("$SPAWN_PID")
}

# wait_port waits until something accepts on 127.0.0.1:port, failing early
# if pid died (a config error, a port in use).
wait_port() {
	local name=$1 pid=$2 port=$3 i
	for i in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			cat "$WORK/$name.log" >&2 || true
			die "$name exited before listening on port $port"
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	die "$name did not listen on port $port within 5 s"
}

# port_free fails if a port is already taken: measuring someone else's
# server by accident would be worse than stopping.
port_free() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		die "port $1 is in use; set BASE_PORT to a free range"
	fi
}

# cpu_ticks prints utime+stime of a process in clock ticks (fields 14 and
# 15 of /proc/<pid>/stat; the command name in field 2 may hold spaces, so
# cut after its closing parenthesis).
cpu_ticks() {
	[[ -n $1 ]] || return 0
	local stat
	local -a fields
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) }
	read -r -a fields <<<"$stat"
	# fields[0] is field 3 (state): utime (14) is [11], stime (15) is [12].
	echo $((fields[11] + fields[12]))
}

# vm_hwm prints the peak resident set size of a process in KiB.
vm_hwm() {
	[[ -n $1 ]] || return 0
	awk '/^VmHWM:/ {print $2}' "/proc/$1/status"
}

need_tools() {
	local missing=0 cmd
	for cmd in haproxy nginx wrk go; do
		command -v "$cmd" >/dev/null || missing=1
	done
	((missing)) || return 0
	command -v go >/dev/null || die "go is needed to build hawser"
	[[ $(id -u) == 0 ]] || die "haproxy, nginx or wrk missing; run as root to install them"
	log "installing haproxy nginx-light wrk"
	apt-get update && apt-get install -y haproxy nginx-light wrk
}

# build_hawser builds a commit (HEAD unless BUILD_REV says otherwise)
# from a clean export, so the revision in the report is exactly what ran;
# BUILD_FROM=worktree builds the working tree instead (uncommitted changes
# included, rev "+dirty").
build_hawser() {
	local src=$WORK/src rev=${BUILD_REV:-HEAD}
	if [[ ${BUILD_FROM:-head} == worktree ]]; then
		src=$REPO
		HAWSER_REV=$(git -C "$REPO" rev-parse --short HEAD)
		git -C "$REPO" diff --quiet HEAD -- cmd internal go.mod || HAWSER_REV="$HAWSER_REV+dirty"
	else
		HAWSER_REV=$(git -C "$REPO" rev-parse --short "$rev^{commit}") || die "unknown revision $rev"
		mkdir -p "$src"
		git -C "$REPO" archive "$HAWSER_REV" | tar -x -C "$src"
	fi
	log "building hawser $HAWSER_REV"
	(cd "$src" && go build -ldflags "-X main.version=$HAWSER_REV" -o "$WORK/hawser" ./cmd/hawser)
}

# --- backend ---------------------------------------------------------------

# start_backend runs one NGINX worker that answers every request with a
# fixed small body. New scenarios add locations here.
start_backend() {
	port_free "$BACKEND_PORT"
	mkdir -p "$WORK/nginx"
	cat >"$WORK/nginx.conf" <<-EOF
		worker_processes 1;
		daemon off;
		master_process on;
		pid $WORK/nginx/nginx.pid;
		error_log $WORK/nginx/error.log;
		events { worker_connections 4096; }
		http {
		  access_log off;
		  keepalive_requests 100000000;
		  keepalive_timeout 60s;
		  client_body_temp_path $WORK/nginx/body;
		  proxy_temp_path $WORK/nginx/proxy;
		  server {
		    listen 127.0.0.1:$BACKEND_PORT;
		    location / { return 200 "hello world!\n"; }
		  }
		}
	EOF
	spawn backend nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx.conf"
	BACKEND_PID=$SPAWN_PID
	wait_port backend "$BACKEND_PID" "$BACKEND_PORT"
	BACKEND_WORKER=$(awk '{print $1}' "/proc/$BACKEND_PID/task/$BACKEND_PID/children")
	[[ -n $BACKEND_WORKER ]] || die "cannot find the nginx worker process"
	cp "$WORK/nginx.conf" "$RESULTS/backend-nginx.conf"
}

# --- targets -----------------------------------------------------------------

# proxy_cfg prints the HAProxy-syntax config that both hawser and HAProxy
# run, byte for byte, so they are asked to do the same work: mode http,
# one thread, the same timeouts, no logging, default http-reuse.
proxy_cfg() {
	cat <<-EOF
		global
		  nbthread 1
		  maxconn 4096

		defaults
		  mode http
		  timeout connect 5s
		  timeout client 30s
		  timeout server 30s

		frontend fe
		  bind 127.0.0.1:$1
		  default_backend be

		backend be
		  server s1 127.0.0.1:$BACKEND_PORT
	EOF
}

# target_direct_start measures the backend without a proxy: the upper
# bound for any proxy on this machine.
target_direct_start() {
	TARGET_PORT[direct]=$BACKEND_PORT
	TARGET_PID[direct]=""
}
target_direct_version() { nginx -v 2>&1 | head -1; }

target_hawser_start() {
	local port=$((BASE_PORT + 1))
	port_free "$port"
	proxy_cfg "$port" >"$WORK/hawser.cfg"
	"$WORK/hawser" -c -f "$WORK/hawser.cfg" >/dev/null || die "hawser rejected the config"
	# nbthread 1 already sets GOMAXPROCS to 1; the variable makes it so
	# from the first instruction on.
	spawn hawser env GOMAXPROCS=1 "$WORK/hawser" -q -f "$WORK/hawser.cfg"
	TARGET_PID[hawser]=$SPAWN_PID
	TARGET_PORT[hawser]=$port
	wait_port hawser "$SPAWN_PID" "$port"
	cp "$WORK/hawser.cfg" "$RESULTS/hawser.cfg"
}
target_hawser_version() { "$WORK/hawser" -v; }

target_haproxy_start() {
	local port=$((BASE_PORT + 2))
	port_free "$port"
	proxy_cfg "$port" >"$WORK/haproxy.cfg"
	haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy rejected the config"
	# -db: stay in the foreground, so the pid we hold is the one serving.
	spawn haproxy haproxy -db -f "$WORK/haproxy.cfg"
	TARGET_PID[haproxy]=$SPAWN_PID
	TARGET_PORT[haproxy]=$port
	wait_port haproxy "$SPAWN_PID" "$port"
	cp "$WORK/haproxy.cfg" "$RESULTS/haproxy.cfg"
}
target_haproxy_version() { haproxy -v | head -1; }

# --- scenarios ---------------------------------------------------------------

scenario_keepalive_small() {
	SC_TITLE="HTTP/1.1 keep-alive, small responses"
	SC_DESC="wrk -t1 -c$CONNS: $CONNS keep-alive connections, GET / answered with a 13-byte body; the proxy keeps its server connections alive too."
	SC_PATH=/
	SC_WRK_ARGS=(-t1 "-c$CONNS")
}

# --- measuring ---------------------------------------------------------------

# run_wrk runs wrk against a target for the given seconds and prints the
# HAWSER_BENCH summary fields (see bench/wrk/summary.lua) followed by the
# CPU wrk itself used, in clock ticks.
run_wrk() {
	local target=$1 seconds=$2 cpu line
	local TIMEFORMAT='%3U %3S'
	cpu=$({ time wrk "${SC_WRK_ARGS[@]}" "-d${seconds}s" --timeout 5s -s "$LUA" \
		"http://127.0.0.1:${TARGET_PORT[$target]}$SC_PATH" >"$WORK/wrk.out" 2>&1; } 2>&1) ||
		die "wrk failed on $target: $(<"$WORK/wrk.out")"
	line=$(grep '^HAWSER_BENCH' "$WORK/wrk.out" | cut -f2-) ||
		die "no summary from wrk on $target: $(<"$WORK/wrk.out")"
	printf '%s\t%s\n' "$line" "$(awk -v hz="$CLK_TCK" '{printf "%d", ($1 + $2) * hz + 0.5}' <<<"$cpu")"
}

# busy_ticks prints the CPU time the whole machine has been busy (user,
# nice, system, irq, softirq and steal over every CPU, in clock ticks).
# Interrupt time is included because the kernel may charge loopback
# softirq work to whichever process it interrupted.
busy_ticks() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

# check_run fails when a run served nothing or answered with errors: a
# broken target must not show up as a number in the report.
check_run() {
	local target=$1 requests non2xx sockerr
	read -r requests _ _ non2xx sockerr _ <<<"$2"
	((requests > 0)) || die "$target served no requests"
	((non2xx == 0)) || die "$target answered $non2xx non-2xx/3xx responses"
	((sockerr == 0)) || log "warning: $target had $sockerr socket errors"
}

# measure runs one measured run and appends a CSV row: wrk's numbers, the
# CPU ticks the proxy, the backend and wrk used during the run, the ticks
# every other process used (what disturbed the run), the proxy's VmHWM.
measure() {
	local scenario=$1 target=$2 round=$3 pid=${TARGET_PID[$2]} p0 p1 b0 b1 s0 s1 line
	p0=$(cpu_ticks "$pid")
	b0=$(cpu_ticks "$BACKEND_WORKER")
	s0=$(busy_ticks)
	line=$(run_wrk "$target" "$DURATION")
	s1=$(busy_ticks)
	p1=$(cpu_ticks "$pid")
	b1=$(cpu_ticks "$BACKEND_WORKER")
	check_run "$target" "$line"
	local -a f
	IFS=$'\t' read -r -a f <<<"$line"
	local pcpu="" hwm wrkcpu=${f[10]} other
	[[ -n $pid ]] && pcpu=$((p1 - p0))
	hwm=$(vm_hwm "$pid")
	other=$((s1 - s0 - ${pcpu:-0} - (b1 - b0) - wrkcpu))
	((other >= 0)) || other=0 # tick rounding
	printf '%s,%s,%d,%s,%s,%d,%s,%d,%d\n' "$scenario" "$target" "$round" \
		"$(
			IFS=,
			echo "${f[*]:0:10}"
		)" "$pcpu" "$((b1 - b0))" "$hwm" "$wrkcpu" "$other" >>"$RESULTS/runs.csv"
	log "$scenario round $round $target: $((f[0] * 1000000 / f[1])) req/s, p99 ${f[7]} us, other processes ${other} ticks"
}

# run_scenario warms every target up, then runs ROUNDS rounds. Each round
# runs every target once, starting one target later than the round before,
# so no target always runs first (or last) after a given neighbour.
run_scenario() {
	local scenario=$1 targets r i n t
	"scenario_$scenario"
	printf 'scenario.%s.title\t%s\nscenario.%s.desc\t%s\n' \
		"$scenario" "$SC_TITLE" "$scenario" "$SC_DESC" >>"$RESULTS/meta.tsv"
	read -r -a targets <<<"$TARGETS"
	n=${#targets[@]}
	local line
	for t in "${targets[@]}"; do
		log "$scenario warm-up $t (${WARMUP}s)"
		line=$(run_wrk "$t" "$WARMUP")
		check_run "$t" "$line"
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			measure "$scenario" "${targets[$(((i + r - 1) % n))]}" "$r"
		done
	done
}

# meta records what the report needs to say where and how the numbers
# were taken, one tab-separated key and value per line.
meta() {
	{
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'nproc\t%s\n' "$(nproc)"
		printf 'cpu\t%s\n' "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
		printf 'kernel\t%s\n' "$(uname -sr)"
		printf 'load_before\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
		printf 'hawser_rev\t%s\n' "$HAWSER_REV"
		printf 'go\t%s\n' "$(go version | awk '{print $3}')"
		printf 'wrk\t%s\n' "$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
		printf 'rounds\t%s\nduration\t%s\nwarmup\t%s\nconns\t%s\nclk_tck\t%s\n' \
			"$ROUNDS" "$DURATION" "$WARMUP" "$CONNS" "$CLK_TCK"
		printf 'targets\t%s\n' "$TARGETS"
		local t
		for t in $TARGETS; do
			printf 'version.%s\t%s\n' "$t" "$("target_${t}_version")"
		done
	} >>"$RESULTS/meta.tsv"
}

main() {
	cd "$REPO"
	need_tools
	mkdir -p "$RESULTS"
	: >"$RESULTS/meta.tsv"
	echo "scenario,target,round,requests,duration_us,bytes,non2xx,sock_errors,p50_us,p90_us,p99_us,p999_us,max_us,proxy_cpu_ticks,backend_cpu_ticks,proxy_hwm_kb,wrk_cpu_ticks,other_cpu_ticks" >"$RESULTS/runs.csv"
	build_hawser
	meta
	start_backend
	local t s
	for t in $TARGETS; do
		declare -F "target_${t}_start" >/dev/null || die "unknown target $t"
		"target_${t}_start"
	done
	for s in $SCENARIOS; do
		declare -F "scenario_$s" >/dev/null || die "unknown scenario $s"
		run_scenario "$s"
	done
	printf 'load_after\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/meta.tsv"
	(cd "$REPO" && go run ./bench/report -results "$RESULTS" -out "$OUT")
	log "results in $RESULTS, report in $OUT"
}

main "$@"
