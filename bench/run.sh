#!/usr/bin/env bash
# bench/run.sh runs hawser side by side with HAProxy, NGINX and Caddy as
# reverse proxies in front of one NGINX backend, and writes
# docs/benchmarks.md and docs/benchmarks.svg from the measurements.
#
#   bench/run.sh                                   # everything, about 15 min
#   ROUNDS=1 DURATION=2 WARMUP=1 IDLE_CONNS=1000 bench/run.sh   # about 3 min
#   SCENARIOS=keepalive_small TARGETS="hawser haproxy" bench/run.sh
#
# Environment (defaults in brackets):
#   ROUNDS [3]       measured rounds; each round runs every target once
#   DURATION [5]     seconds per measured run
#   WARMUP [2]       seconds of warm-up per target before the rounds
#   CONNS [50]       client connections (wrk and loadgen)
#   TARGETS ["direct hawser haproxy nginx caddy"]  which targets, see target_*
#   SCENARIOS [all, see DEFAULT_SCENARIOS]          which scenarios, see scenario_*
#   IDLE_CONNS [10000] connections the idle scenario holds open per proxy
#   FIXED_RATE [half of HAProxy's keep-alive median]  req/s of fixed_rate
#   BASE_PORT [18080]  first loopback port; backend and targets use the next few
#   OUT [docs/benchmarks.md]            report path, relative to the repo
#   SVG [docs/benchmarks.svg]           chart path, relative to the repo
#   BUILD_FROM [head]  head: build commit BUILD_REV; worktree: build local changes
#   BUILD_REV [HEAD]   the commit to build when BUILD_FROM=head
#   KEEP_WORK []       set: keep the work directory (configs, logs, load
#                      generator output) after the run, for debugging
#   MICRO [1]          0 skips the Go micro-benchmarks (bench/micro.sh, about
#                      2 minutes) that run after the scenarios; bench/micro.sh
#                      runs them alone, see its header (MICRO_* settings too)
#
# Extending: a new proxy is a target_<name>_start function (write its
# config, start it in the foreground with `spawn`, set TARGET_PID, the
# process to measure, and TARGET_MAIN, the process to stop) plus
# target_<name>_version and a port in TARGET_OFFSET. A new scenario is a
# scenario_<name> function that sets SC_TITLE and SC_DESC and either
# SC_PATH and SC_WRK_ARGS (a wrk run; SC_LUA adds a wrk setup script),
# SC_KIND=rate or SC_KIND=idle (see those scenarios), or SC_SKIP with the
# reason it cannot run yet. SC_TARGETS and SC_BASELINE override which
# targets run it and which one the ratios are against.
set -euo pipefail

# Scenarios that need HTTP/2 in the load generator are listed so the
# report says they are missing; they only record why they were skipped.
# idle_conns goes last: it restarts each proxy, and what it leaves in the
# proxies' peak RSS should not show up in the other scenarios.
DEFAULT_SCENARIOS="keepalive_small newconn get_64k get_1m post_1k cores2 fixed_rate idle_conns
	tls_handshake tls_keepalive h2_multiplexed grpc_unary"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-50}
TARGETS=${TARGETS:-"direct hawser haproxy nginx caddy"}
SCENARIOS=${SCENARIOS:-$DEFAULT_SCENARIOS}
IDLE_CONNS=${IDLE_CONNS:-10000}
FIXED_RATE=${FIXED_RATE:-}
BASE_PORT=${BASE_PORT:-18080}
MICRO=${MICRO:-1}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-docs/benchmarks.md}
SVG=${SVG:-docs/benchmarks.svg}
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$REPO/bench/results/$RUN_ID
WORK=$(mktemp -d /tmp/hawser-bench.XXXXXX)
LUA=$REPO/bench/wrk/summary.lua
CLK_TCK=$(getconf CLK_TCK)

BACKEND_PORT=$BASE_PORT
BACKEND_PID=""
BACKEND_WORKER=""
# The gRPC scenario's backend (grpc-go's interop server) listens on
# BACKEND_PORT + GRPC_SHIFT, and every proxy's h2c frontend for it on its
# own port + GRPC_SHIFT, so "direct" works the same way.
GRPC_SHIFT=100
GRPC_BACKEND_PID=""
# TARGET_PID is the process whose CPU and memory are measured (NGINX's
# worker), TARGET_MAIN the one to stop (NGINX's master).
declare -A TARGET_PID=() TARGET_PORT=() TARGET_MAIN=()
# Each target has its own port, BASE_PORT + offset; 0 is the backend.
declare -A TARGET_OFFSET=([direct]=0 [hawser]=1 [haproxy]=2 [nginx]=3 [caddy]=4
	[hawser_2t]=5 [haproxy_2t]=6)
# hawser and HAProxy also listen with TLS (the same ECDSA P-256
# certificate) on their port + TLS_OFFSET, for the tls_* scenarios.
TLS_OFFSET=200
TLS_TARGETS="hawser haproxy hawser_2t haproxy_2t"
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
	[[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
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

# need_tools installs the Debian packages of whatever is missing (as
# root): the proxies, the backend and wrk.
need_tools() {
	local -A pkg=([haproxy]=haproxy [nginx]=nginx-light [wrk]=wrk [caddy]=caddy [h2load]=nghttp2-client)
	local -a missing=()
	local cmd
	command -v go >/dev/null || die "go is needed to build hawser"
	for cmd in "${!pkg[@]}"; do
		command -v "$cmd" >/dev/null || missing+=("${pkg[$cmd]}")
	done
	((${#missing[@]})) || return 0
	[[ $(id -u) == 0 ]] || die "missing ${missing[*]}; run as root to install them"
	log "installing ${missing[*]}"
	apt-get update && apt-get install -y "${missing[@]}"
}

# raise_fd_limit lifts the open-file limit every process started from
# here inherits (root may go past the hard limit, where the container
# allows it), and caps IDLE_CONNS to what every proxy can hold under it.
# HAProxy is the tightest: it refuses to start unless the limit covers two
# descriptors per connection of its maxconn plus a few of its own (its
# maxsock), even though an idle client connection holds one. So MAXCONN,
# which every proxy gets, is the largest maxconn HAProxy accepts, at most
# 1000 above IDLE_CONNS, and the idle scenario holds up to 50 fewer.
raise_fd_limit() {
	ulimit -Hn 200000 2>/dev/null || true
	ulimit -Sn "$(ulimit -Hn)"
	NOFILE=$(ulimit -Hn)
	MAXCONN=$((IDLE_CONNS + 1000))
	local cap=$(((NOFILE - 100) / 2))
	((MAXCONN <= cap)) || MAXCONN=$cap
	local fit=$(((MAXCONN - 50) / 100 * 100))
	IDLE_CAPPED=""
	if ((IDLE_CONNS > fit)); then
		IDLE_CAPPED="The open-file limit ($NOFILE; this machine did not let the script raise it) caps this scenario at $fit connections instead of $IDLE_CONNS, for every proxy: HAProxy needs two descriptors per connection of its maxconn."
		log "$IDLE_CAPPED"
		IDLE_CONNS=$fit
	fi
}

# nginx_nofile prints worker_rlimit_nofile for an NGINX worker: room for
# every connection and its upstream, within the hard limit.
nginx_nofile() {
	local want=$((MAXCONN * 2 + 1000))
	echo $((want < NOFILE ? want : NOFILE))
}

build_loadgen() {
	(cd "$REPO" && go build -o "$WORK/loadgen" ./bench/loadgen)
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
# fixed small body, and serves /files/64k and /files/1m from disk (page
# cache, sendfile). New scenarios add locations here.
start_backend() {
	port_free "$BACKEND_PORT"
	mkdir -p "$WORK/nginx" "$WORK/www"
	# NGINX workers run as nobody when started by root: let them read.
	chmod a+rx "$WORK" "$WORK/www"
	head -c 65536 /dev/zero | tr '\0' 'a' >"$WORK/www/64k"
	head -c 1048576 /dev/zero | tr '\0' 'a' >"$WORK/www/1m"
	chmod a+r "$WORK/www/64k" "$WORK/www/1m"
	cat >"$WORK/nginx.conf" <<-EOF
		worker_processes 1;
		worker_rlimit_nofile $(nginx_nofile);
		daemon off;
		master_process on;
		pid $WORK/nginx/nginx.pid;
		error_log $WORK/nginx/error.log;
		events { worker_connections $((MAXCONN * 2)); }
		http {
		  access_log off;
		  keepalive_requests 100000000;
		  keepalive_timeout 60s;
		  sendfile on;
		  client_body_temp_path $WORK/nginx/body;
		  proxy_temp_path $WORK/nginx/proxy;
		  server {
		    listen 127.0.0.1:$BACKEND_PORT;
		    location / { return 200 "hello world!\n"; }
		    location /files/ { alias $WORK/www/; }
		  }
		}
	EOF
	spawn backend nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx.conf"
	BACKEND_PID=$SPAWN_PID
	wait_port backend "$BACKEND_PID" "$BACKEND_PORT"
	BACKEND_WORKER=$(nginx_worker "$BACKEND_PID")
	cp "$WORK/nginx.conf" "$RESULTS/backend-nginx.conf"
	start_grpc_backend
}

# start_grpc_backend runs grpc-go's interop server in clear text, the
# backend of the gRPC scenario, installing it if needed (.ci/tools.d). A
# failed install only skips that scenario.
start_grpc_backend() {
	export PATH="$PATH:$(go env GOPATH)/bin"
	if ! command -v grpc-interop-server >/dev/null; then
		log "installing grpc-interop-server"
		bash "$REPO/.ci/tools.d/grpc.sh" || log "warning: cannot install grpc-interop-server"
		command -v grpc-interop-server >/dev/null || return 0
	fi
	local port=$((BACKEND_PORT + GRPC_SHIFT))
	port_free "$port"
	spawn grpc-backend grpc-interop-server -port "$port" -use_tls=false
	GRPC_BACKEND_PID=$SPAWN_PID
	wait_port grpc-backend "$GRPC_BACKEND_PID" "$port"
}

# --- targets -----------------------------------------------------------------

# proxy_cfg prints the HAProxy-syntax config that both hawser and HAProxy
# run, byte for byte, so they are asked to do the same work: mode http,
# $2 threads, the same timeouts and connection limits, no logging,
# default http-reuse.
proxy_cfg() {
	cat <<-EOF
		global
		  nbthread $2
		  maxconn $MAXCONN

		defaults
		  mode http
		  maxconn $MAXCONN
		  timeout connect 5s
		  timeout client 30s
		  timeout server 30s

		frontend fe
		  bind 127.0.0.1:$1
		  bind 127.0.0.1:$(($1 + TLS_OFFSET)) ssl crt $WORK/bench.pem
		  default_backend be

		backend be
		  server s1 127.0.0.1:$BACKEND_PORT

		frontend fe_grpc
		  bind 127.0.0.1:$(($1 + GRPC_SHIFT)) proto h2
		  default_backend be_grpc

		backend be_grpc
		  server g1 127.0.0.1:$((BACKEND_PORT + GRPC_SHIFT)) proto h2
	EOF
}

# make_cert writes the certificate every TLS listener serves: ECDSA
# P-256, with its key in the same PEM file (HAProxy's crt format).
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=bench.test -keyout "$WORK/bench.key" -out "$WORK/bench.crt" 2>/dev/null ||
		die "openssl could not make the benchmark certificate"
	cat "$WORK/bench.crt" "$WORK/bench.key" >"$WORK/bench.pem"
}

# target_direct_start measures the backend without a proxy: the upper
# bound for any proxy on this machine.
target_direct_start() {
	TARGET_PORT[direct]=$BACKEND_PORT
	TARGET_PID[direct]=""
	TARGET_MAIN[direct]=""
}
target_direct_version() { nginx -v 2>&1 | head -1; }

# start_hawser runs hawser with the shared config and the given thread
# count; GOMAXPROCS says the same from the process's first instruction.
start_hawser() {
	local name=$1 threads=$2 port
	port=$(target_port "$name")
	port_free "$port"
	port_free $((port + TLS_OFFSET))
	proxy_cfg "$port" "$threads" >"$WORK/$name.cfg"
	"$WORK/hawser" -c -f "$WORK/$name.cfg" >/dev/null || die "hawser rejected the config"
	spawn "$name" env GOMAXPROCS="$threads" "$WORK/hawser" -q -f "$WORK/$name.cfg"
	started "$name" "$SPAWN_PID" "$SPAWN_PID" "$port"
	cp "$WORK/$name.cfg" "$RESULTS/$name.cfg"
}
target_hawser_start() { start_hawser hawser 1; }
target_hawser_version() { "$WORK/hawser" -v; }
target_hawser_2t_start() { start_hawser hawser_2t 2; }
target_hawser_2t_version() { target_hawser_version; }

start_haproxy() {
	local name=$1 threads=$2 port
	port=$(target_port "$name")
	port_free "$port"
	port_free $((port + TLS_OFFSET))
	proxy_cfg "$port" "$threads" >"$WORK/$name.cfg"
	haproxy -c -q -f "$WORK/$name.cfg" || die "haproxy rejected the config"
	# -db: stay in the foreground, so the pid we hold is the one serving.
	spawn "$name" haproxy -db -f "$WORK/$name.cfg"
	started "$name" "$SPAWN_PID" "$SPAWN_PID" "$port"
	cp "$WORK/$name.cfg" "$RESULTS/$name.cfg"
}
target_haproxy_start() { start_haproxy haproxy 1; }
target_haproxy_version() { haproxy -v | head -1; }
target_haproxy_2t_start() { start_haproxy haproxy_2t 2; }
target_haproxy_2t_version() { target_haproxy_version; }

# target_nginx_start runs NGINX as the reverse proxy: one worker, the
# same connection limit, HTTP/1.1 keep-alive to the backend with as many
# idle connections as the others keep (HAProxy's pool has no small
# limit), and no temporary files: a response larger than the buffers is
# streamed, as the other proxies do.
target_nginx_start() {
	local port dir=$WORK/nginx-proxy
	port=$(target_port nginx)
	port_free "$port"
	mkdir -p "$dir"
	cat >"$WORK/nginx-proxy.conf" <<-EOF
		worker_processes 1;
		worker_rlimit_nofile $(nginx_nofile);
		daemon off;
		master_process on;
		pid $dir/nginx.pid;
		error_log $dir/error.log;
		events { worker_connections $((MAXCONN * 2)); }
		http {
		  access_log off;
		  keepalive_requests 100000000;
		  keepalive_timeout 60s;
		  client_body_temp_path $dir/body;
		  proxy_temp_path $dir/proxy;
		  upstream be {
		    server 127.0.0.1:$BACKEND_PORT;
		    keepalive 1024;
		    keepalive_requests 100000000;
		  }
		  server {
		    listen 127.0.0.1:$port;
		    location / {
		      proxy_pass http://be;
		      proxy_http_version 1.1;
		      proxy_set_header Connection "";
		      proxy_max_temp_file_size 0;
		    }
		  }
		}
	EOF
	spawn nginx-proxy nginx -p "$dir" -e "$dir/error.log" -c "$WORK/nginx-proxy.conf"
	local master=$SPAWN_PID
	wait_port nginx-proxy "$master" "$port"
	started nginx "$(nginx_worker "$master")" "$master" "$port"
	cp "$WORK/nginx-proxy.conf" "$RESULTS/nginx-proxy.conf"
}
target_nginx_version() { nginx -v 2>&1 | head -1; }

# target_caddy_start runs Caddy's reverse_proxy with one Go thread, no
# admin endpoint, no automatic HTTPS and no access log (Caddy's default),
# keeping up to 1024 idle connections to the backend like the others.
target_caddy_start() {
	local port dir=$WORK/caddy
	port=$(target_port caddy)
	port_free "$port"
	mkdir -p "$dir"
	cat >"$WORK/Caddyfile" <<-EOF
		{
		  admin off
		  auto_https off
		  servers {
		    protocols h1
		  }
		}
		http://127.0.0.1:$port {
		  reverse_proxy 127.0.0.1:$BACKEND_PORT {
		    transport http {
		      keepalive 60s
		      keepalive_idle_conns 1024
		      keepalive_idle_conns_per_host 1024
		    }
		  }
		}
	EOF
	spawn caddy env GOMAXPROCS=1 HOME="$dir" XDG_DATA_HOME="$dir" XDG_CONFIG_HOME="$dir" \
		caddy run --config "$WORK/Caddyfile" --adapter caddyfile
	started caddy "$SPAWN_PID" "$SPAWN_PID" "$port"
	cp "$WORK/Caddyfile" "$RESULTS/Caddyfile"
}
target_caddy_version() { echo "Caddy $(caddy version | awk '{print $1}')"; }

# target_port prints the loopback port a target listens on.
target_port() {
	local off=${TARGET_OFFSET[$1]:-}
	[[ -n $off ]] || die "target $1 has no port in TARGET_OFFSET"
	echo $((BASE_PORT + off))
}

# nginx_worker prints the pid of an NGINX master's only worker. The
# master listens before it forks, so give the worker a moment.
nginx_worker() {
	local pid i
	for i in $(seq 50); do
		pid=$(awk '{print $1}' "/proc/$1/task/$1/children")
		[[ -n $pid ]] && break
		sleep 0.05
	done
	[[ -n $pid ]] || die "cannot find the nginx worker of $1"
	echo "$pid"
}

# started waits for a target to listen and records its processes.
started() {
	local name=$1 pid=$2 main=$3 port=$4
	wait_port "$name" "$main" "$port"
	TARGET_PID[$name]=$pid
	TARGET_MAIN[$name]=$main
	TARGET_PORT[$name]=$port
}

# ensure_target starts a target unless it runs already.
ensure_target() {
	[[ -n ${TARGET_PORT[$1]:-} ]] && return 0
	declare -F "target_${1}_start" >/dev/null || die "unknown target $1"
	"target_${1}_start"
}

# stop_target stops a target and waits until its port is free, so it can
# be started again fresh.
stop_target() {
	local name=$1 main=${TARGET_MAIN[$1]:-} i
	if [[ -n $main ]]; then
		kill -TERM "$main" 2>/dev/null || true
		for i in $(seq 100); do
			kill -0 "$main" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$main" 2>/dev/null || true
		wait "$main" 2>/dev/null || true
	fi
	unset "TARGET_PID[$name]" "TARGET_MAIN[$name]" "TARGET_PORT[$name]"
}

# --- scenarios ---------------------------------------------------------------

scenario_keepalive_small() {
	SC_TITLE="HTTP/1.1 keep-alive, small responses"
	SC_DESC="wrk -t1 -c$CONNS: $CONNS keep-alive connections, GET / answered with a 13-byte body; the proxy keeps its server connections alive too."
	SC_PATH=/
	SC_WRK_ARGS=(-t1 "-c$CONNS")
}

scenario_newconn() {
	SC_TITLE="A new connection per request"
	SC_DESC="wrk -t1 -c$CONNS with \`Connection: close\`: every request opens a new client connection, which the proxy closes after the response (server connections may stay alive)."
	SC_PATH=/
	SC_WRK_ARGS=(-t1 "-c$CONNS" -H "Connection: close")
}

scenario_get_64k() {
	SC_TITLE="64 KiB responses"
	SC_DESC="wrk -t1 -c$CONNS, keep-alive, GET of a 64 KiB file the backend serves from the page cache."
	SC_PATH=/files/64k
	SC_WRK_ARGS=(-t1 "-c$CONNS")
}

scenario_get_1m() {
	SC_TITLE="1 MiB responses"
	SC_DESC="wrk -t1 -c$CONNS, keep-alive, GET of a 1 MiB file the backend serves from the page cache."
	SC_PATH=/files/1m
	SC_WRK_ARGS=(-t1 "-c$CONNS")
}

scenario_post_1k() {
	SC_TITLE="1 KiB POST bodies"
	SC_DESC="wrk -t1 -c$CONNS, keep-alive, POST / with a 1 KiB body (bench/wrk/post_1k.lua), answered with the 13-byte body."
	SC_PATH=/
	SC_WRK_ARGS=(-t1 "-c$CONNS")
	SC_LUA=$REPO/bench/wrk/post_1k.lua
}

# scenario_cores2 repeats keep-alive with two threads for the proxies
# that have a thread setting in the shared config.
scenario_cores2() {
	SC_TITLE="HTTP/1.1 keep-alive, 2 proxy threads"
	SC_DESC="As the keep-alive scenario, with \`nbthread 2\` (hawser also GOMAXPROCS=2). Compare with the 1-thread rows above: the machine has $(nproc) CPUs, shared with wrk and the backend."
	SC_PATH=/
	SC_WRK_ARGS=(-t1 "-c$CONNS")
	SC_TARGETS=""
	local t
	for t in hawser haproxy; do
		[[ " $TARGETS " == *" $t "* ]] && SC_TARGETS+=" ${t}_2t"
	done
	SC_BASELINE=haproxy_2t
}

# scenario_fixed_rate measures latency below saturation: bench/loadgen
# sends at a fixed rate, half of what HAProxy managed in keepalive_small
# in this run (or FIXED_RATE), and counts queueing from the moment each
# request was due.
scenario_fixed_rate() {
	SC_KIND=rate
	SC_PATH=/
	SC_RATE=${FIXED_RATE:-$(half_baseline_rate)}
	SC_TITLE="Latency at a fixed rate of $SC_RATE req/s"
	SC_DESC="bench/loadgen, $CONNS keep-alive connections, GET /, open loop: request i is due at start + i/rate, and its latency counts from then if every connection was busy (no coordinated omission). The rate is half of HAProxy's keep-alive median in this run, below what the HAProxy-class proxies saturate at; a target that cannot sustain it falls behind and is named below the table. CPU per 100k requests is at equal load."
}

# half_baseline_rate prints half of HAProxy's median keep-alive req/s
# from this run's runs.csv, or 10000 without one.
half_baseline_rate() {
	awk -F, '$1 == "keepalive_small" && $2 == "haproxy" {print $4 * 1e6 / $5}' "$RESULTS/runs.csv" |
		sort -n | awk '{v[NR] = $1} END {
			if (NR == 0) { print 10000; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%d\n", int(m / 2 / 100) * 100
		}'
}

# scenario_idle_conns measures memory per idle client connection: each
# proxy is restarted, then bench/loadgen opens IDLE_CONNS connections,
# completes one GET / on each and holds them all open while the proxy's
# VmRSS is read.
scenario_idle_conns() {
	SC_KIND=idle
	SC_TITLE="$IDLE_CONNS idle keep-alive connections"
	SC_DESC="bench/loadgen opens $IDLE_CONNS client connections to a freshly started proxy (64 at a time), completes one GET / on each and keeps them open; memory per connection is the growth of the proxy's VmRSS divided by the connections held."
	SC_TARGETS=""
	local t
	for t in $TARGETS; do
		[[ $t == direct ]] || SC_TARGETS+=" $t"
	done
}

# Scenarios hawser cannot serve yet. They stay in the default list so the
# report shows the gap; give them SC_PATH and SC_WRK_ARGS (or a kind of
# their own) once hawser terminates TLS or speaks HTTP/2.
# tls_targets prints the TARGETS that have a TLS listener.
tls_targets() {
	local t out=()
	for t in $TARGETS; do
		[[ " $TLS_TARGETS " == *" $t "* ]] && out+=("$t")
	done
	echo "${out[*]}"
}

scenario_tls_handshake() {
	SC_TITLE="TLS termination, a new handshake per request"
	SC_DESC="wrk -t1 -c$CONNS over HTTPS with \`Connection: close\`: every request makes a full TLS handshake (ECDSA P-256 certificate, the version and suite wrk's OpenSSL and the proxy agree on; no session resumption), then the proxy forwards in clear text to the backend."
	SC_TLS=1
	SC_WRK_ARGS=(-t1 "-c$CONNS" -H "Connection: close")
	SC_TARGETS=$(tls_targets)
}
scenario_tls_keepalive() {
	SC_TITLE="TLS termination, keep-alive"
	SC_DESC="wrk -t1 -c$CONNS over HTTPS: $CONNS keep-alive TLS connections (ECDSA P-256 certificate), GET / answered with a 13-byte body; measures record encryption, not handshakes."
	SC_TLS=1
	SC_WRK_ARGS=(-t1 "-c$CONNS")
	SC_TARGETS=$(tls_targets)
}
# scenario_h2_multiplexed drives each proxy's cleartext frontend with
# h2load: HTTP/2 with prior knowledge, which both hawser and HAProxy detect
# by its preface on a plain HTTP bind; the proxies speak HTTP/1.1 to the
# NGINX backend. direct, NGINX and Caddy are not configured for h2c here.
scenario_h2_multiplexed() {
	SC_TITLE="HTTP/2 multiplexed (h2load, h2c)"
	SC_DESC="h2load -c1 -m$CONNS -t1: one h2c connection (prior knowledge, detected on the plain \`bind\`) carrying $CONNS concurrent streams of GET / (13-byte body); the proxy forwards each stream over HTTP/1.1 keep-alive connections to the backend. Percentiles come from h2load's per-request log."
	SC_GEN=h2load
	SC_TARGETS=""
	local t
	for t in hawser haproxy hawser_2t haproxy_2t; do
		[[ " $TARGETS " == *" $t "* ]] && SC_TARGETS+=" $t"
	done
	command -v h2load >/dev/null || SC_SKIP="h2load (Debian nghttp2-client) is not installed"
}

# h2load_summary turns h2load's output and per-request log (start, status,
# microseconds) into the HAWSER_BENCH line of bench/wrk/summary.lua.
h2load_summary() {
	local out=$1 log=$2 seconds=$3 failed bytes
	failed=$(awk '/^requests:/ {gsub(",", ""); print $10 + $12 + $14; exit}' "$out")
	bytes=$(sed -n 's/^traffic: [^(]*(\([0-9]*\)) total.*/\1/p' "$out" | head -1)
	cut -f3 "$log" | sort -n >"$log.sorted"
	awk -v secs="$seconds" -v failed="${failed:-0}" -v bytes="${bytes:-0}" -v statuses="$(cut -f2 "$log" | awk '$1 < 200 || $1 >= 400' | wc -l)" '
		{ lat[NR] = $1 }
		function pct(p,  i) { i = int(NR * p / 100); if (i < 1) i = 1; return lat[i] }
		END { printf "HAWSER_BENCH\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", NR, secs * 1000000, bytes, statuses, failed, pct(50), pct(90), pct(99), pct(99.9), lat[NR] }
	' "$log.sorted"
}

# scenario_grpc_unary measures gRPC unary calls through each proxy's h2c
# frontend ("bind … proto h2" and "server … proto h2" in the shared
# config) with bench/loadgen -grpc. A target that cannot carry a first
# call is left out and named in the description.
scenario_grpc_unary() {
	SC_TITLE="gRPC unary calls, h2c both sides"
	SC_GEN=grpc
	SC_PORT_SHIFT=$GRPC_SHIFT
	SC_BACKEND_PID=$GRPC_BACKEND_PID
	SC_DESC="bench/loadgen -grpc: one HTTP/2 connection carrying $CONNS concurrent EmptyCall RPCs (the gRPC interop service, empty messages; closed loop), to grpc-go's interop server through each proxy's \`bind … proto h2\` frontend and \`server … proto h2\`; direct is the gRPC server alone. NGINX and Caddy are not configured for gRPC here; non-2xx counts calls that did not end with grpc-status 0."
	if [[ -z $GRPC_BACKEND_PID ]]; then
		SC_SKIP="grpc-interop-server could not be installed (.ci/tools.d/grpc.sh)"
		return 0
	fi
	SC_TARGETS=""
	local t
	for t in direct hawser haproxy; do
		[[ " $TARGETS " == *" $t "* ]] || continue
		ensure_target "$t"
		if "$WORK/loadgen" -grpc -addr "127.0.0.1:$((TARGET_PORT[$t] + GRPC_SHIFT))" \
			-conns 1 -streams 1 -duration 0s >"$WORK/grpc-probe.out" 2>&1; then
			SC_TARGETS+=" $t"
		else
			log "grpc_unary: $t did not carry a gRPC call: $(<"$WORK/grpc-probe.out")"
			SC_DESC+=" $t is not measured: it did not carry a gRPC call ($(head -c 160 "$WORK/grpc-probe.out" | tr '\n' ' '))."
		fi
	done
}

# --- measuring ---------------------------------------------------------------

# run_load runs the scenario's load generator against a target for the
# given seconds and prints the HAWSER_BENCH summary fields (see
# bench/wrk/summary.lua) followed by the CPU the generator itself used,
# in clock ticks.
run_load() {
	local target=$1 seconds=$2 cpu line
	local TIMEFORMAT='%3U %3S'
	local url="http://127.0.0.1:${TARGET_PORT[$target]}$SC_PATH"
	if [[ -n $SC_TLS ]]; then
		url="https://127.0.0.1:$((TARGET_PORT[$target] + TLS_OFFSET))$SC_PATH"
	fi
	if [[ $SC_GEN == h2load ]]; then
		rm -f "$WORK/h2load.log"
		cpu=$({ time h2load -c1 -t1 "-m$CONNS" "-D$seconds" --log-file="$WORK/h2load.log" \
			"http://127.0.0.1:${TARGET_PORT[$target]}$SC_PATH" >"$WORK/h2load.out" 2>&1; } 2>&1) ||
			die "h2load failed on $target: $(<"$WORK/h2load.out")"
		h2load_summary "$WORK/h2load.out" "$WORK/h2load.log" "$seconds" >"$WORK/load.out"
	elif [[ $SC_GEN == grpc ]]; then
		cpu=$({ time "$WORK/loadgen" -grpc -addr "127.0.0.1:$((TARGET_PORT[$target] + SC_PORT_SHIFT))" \
			-conns 1 -streams "$CONNS" -duration "${seconds}s" >"$WORK/load.out" 2>&1; } 2>&1) ||
			die "loadgen -grpc failed on $target: $(<"$WORK/load.out")"
	elif [[ $SC_KIND == rate ]]; then
		cpu=$({ time "$WORK/loadgen" -addr "127.0.0.1:${TARGET_PORT[$target]}" -path "$SC_PATH" \
			-rate "$SC_RATE" -conns "$CONNS" -duration "${seconds}s" >"$WORK/load.out" 2>&1; } 2>&1) ||
			die "loadgen failed on $target: $(<"$WORK/load.out")"
	else
		cpu=$({ time wrk "${SC_WRK_ARGS[@]}" "-d${seconds}s" --timeout 5s -s "$WORK/script.lua" \
			"$url" >"$WORK/load.out" 2>&1; } 2>&1) ||
			die "wrk failed on $target: $(<"$WORK/load.out")"
	fi
	line=$(grep '^HAWSER_BENCH' "$WORK/load.out" | cut -f2-) ||
		die "no summary from the load generator on $target: $(<"$WORK/load.out")"
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

# measure runs one measured run and appends a CSV row: the load
# generator's numbers, the CPU ticks the proxy, the backend and the
# generator (column wrk_cpu_ticks) used during the run, the ticks
# every other process used (what disturbed the run), the proxy's VmHWM.
measure() {
	local scenario=$1 target=$2 round=$3 pid=${TARGET_PID[$2]} p0 p1 b0 b1 s0 s1 line
	p0=$(cpu_ticks "$pid")
	b0=$(cpu_ticks "${SC_BACKEND_PID:-$BACKEND_WORKER}")
	s0=$(busy_ticks)
	line=$(run_load "$target" "$DURATION")
	s1=$(busy_ticks)
	p1=$(cpu_ticks "$pid")
	b1=$(cpu_ticks "${SC_BACKEND_PID:-$BACKEND_WORKER}")
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

# measure_idle restarts a target, reads its VmRSS, has bench/loadgen
# open and hold IDLE_CONNS connections through it, reads VmRSS again and
# appends a row to idle.csv.
measure_idle() {
	local scenario=$1 target=$2 round=$3 pid before after held failed i
	stop_target "$target"
	ensure_target "$target"
	pid=${TARGET_PID[$target]}
	sleep 1 # let the fresh process finish starting up
	before=$(vm_rss "$pid")
	spawn idle "$WORK/loadgen" -addr "127.0.0.1:${TARGET_PORT[$target]}" -idle "$IDLE_CONNS"
	local holder=$SPAWN_PID
	for i in $(seq 1200); do
		grep -q '^HAWSER_IDLE' "$WORK/idle.log" && break
		kill -0 "$holder" 2>/dev/null || die "loadgen -idle failed on $target: $(<"$WORK/idle.log")"
		sleep 0.1
	done
	read -r _ held failed < <(grep '^HAWSER_IDLE' "$WORK/idle.log") ||
		die "loadgen -idle did not finish opening connections on $target"
	sleep 1 # let the proxy settle with every connection idle
	after=$(vm_rss "$pid")
	kill -TERM "$holder"
	wait "$holder" 2>/dev/null || true
	((failed == 0)) || log "warning: $target: $failed of $IDLE_CONNS connections failed"
	printf '%s,%s,%d,%d,%d,%d,%d\n' "$scenario" "$target" "$round" "$held" "$before" "$after" \
		"$(vm_hwm "$pid")" >>"$RESULTS/idle.csv"
	log "$scenario round $round $target: $held connections, VmRSS $before -> $after KiB ($(((after - before) * 1024 / (held > 0 ? held : 1))) B each)"
}

# vm_rss prints the resident set size of a process in KiB.
vm_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# load_scenario resets the SC_* variables and lets scenario_<name> set
# them.
load_scenario() {
	SC_TITLE="" SC_DESC="" SC_PATH=/ SC_LUA="" SC_KIND=wrk SC_SKIP="" SC_RATE="" SC_TLS=""
	# SC_GEN=grpc runs bench/loadgen -grpc instead of wrk, against each
	# target's port + SC_PORT_SHIFT; SC_BACKEND_PID is the backend whose
	# CPU is counted when it is not the NGINX one.
	SC_GEN=wrk SC_PORT_SHIFT=0 SC_BACKEND_PID=""
	SC_WRK_ARGS=()
	SC_TARGETS=$TARGETS
	SC_BASELINE=haproxy
	"scenario_$1"
}

# run_scenario warms every target up, then runs ROUNDS rounds. Each round
# runs every target once, starting one target later than the round before,
# so no target always runs first (or last) after a given neighbour.
run_scenario() {
	local scenario=$1 targets r i n t
	load_scenario "$scenario"
	[[ -z $SC_SKIP ]] || SC_KIND=skip
	{
		printf 'scenario.%s.title\t%s\n' "$scenario" "$SC_TITLE"
		printf 'scenario.%s.desc\t%s\n' "$scenario" "$SC_DESC"
		printf 'scenario.%s.kind\t%s\n' "$scenario" "$SC_KIND"
		printf 'scenario.%s.skip\t%s\n' "$scenario" "$SC_SKIP"
		printf 'scenario.%s.baseline\t%s\n' "$scenario" "$SC_BASELINE"
		printf 'scenario.%s.rate\t%s\n' "$scenario" "$SC_RATE"
	} >>"$RESULTS/meta.tsv"
	if [[ -n $SC_SKIP ]]; then
		log "$scenario skipped: $SC_SKIP"
		return 0
	fi
	read -r -a targets <<<"$SC_TARGETS"
	n=${#targets[@]}
	((n > 0)) || return 0
	cat ${SC_LUA:+"$SC_LUA"} "$LUA" >"$WORK/script.lua"
	for t in "${targets[@]}"; do
		ensure_target "$t"
	done
	if [[ $SC_KIND == idle ]]; then
		for ((r = 1; r <= ROUNDS; r++)); do
			for ((i = 0; i < n; i++)); do
				measure_idle "$scenario" "${targets[$(((i + r - 1) % n))]}" "$r"
			done
		done
		return 0
	fi
	local line
	for t in "${targets[@]}"; do
		log "$scenario warm-up $t (${WARMUP}s)"
		line=$(run_load "$t" "$WARMUP")
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
		printf 'scenario_order\t%s\n' "$(echo $SCENARIOS)"
		printf 'idle_conns\t%s\nmaxconn\t%s\nfd_limit\t%s\nidle_capped\t%s\n' \
			"$IDLE_CONNS" "$MAXCONN" "$(ulimit -Hn)" "$IDLE_CAPPED"
		local t
		for t in $TARGETS; do
			printf 'version.%s\t%s\n' "$t" "$("target_${t}_version")"
		done
	} >>"$RESULTS/meta.tsv"
}

# run_micro runs bench/micro.sh on the same commit as the scenarios and
# keeps its raw output as micro.txt. It fails only when there is nothing
# to report: a package that failed is named in the report instead.
run_micro() {
	log "Go micro-benchmarks"
	local rev=${HAWSER_REV%+dirty}
	BUILD_REV=$rev "$REPO/bench/micro.sh" "$RESULTS/micro.txt" ||
		log "warning: some micro-benchmarks failed, see $RESULTS/micro.txt"
	grep -q '^Benchmark.*ns/op' "$RESULTS/micro.txt"
}

main() {
	cd "$REPO"
	need_tools
	mkdir -p "$RESULTS"
	: >"$RESULTS/meta.tsv"
	echo "scenario,target,round,requests,duration_us,bytes,non2xx,sock_errors,p50_us,p90_us,p99_us,p999_us,max_us,proxy_cpu_ticks,backend_cpu_ticks,proxy_hwm_kb,wrk_cpu_ticks,other_cpu_ticks" >"$RESULTS/runs.csv"
	echo "scenario,target,round,conns,rss_before_kb,rss_after_kb,proxy_hwm_kb" >"$RESULTS/idle.csv"
	raise_fd_limit
	build_hawser
	build_loadgen
	local t s
	for t in $TARGETS; do
		declare -F "target_${t}_start" >/dev/null || die "unknown target $t"
	done
	for s in $SCENARIOS; do
		declare -F "scenario_$s" >/dev/null || die "unknown scenario $s"
	done
	meta
	make_cert
	start_backend
	# Targets start when a scenario first needs them.
	for s in $SCENARIOS; do
		run_scenario "$s"
	done
	printf 'load_after\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/meta.tsv"
	local -a micro=()
	if [[ $MICRO != 0 ]]; then
		run_micro && micro=(-micro "$RESULTS/micro.txt")
	fi
	(cd "$REPO" && go run ./bench/report -results "$RESULTS" -out "$OUT" -svg "$SVG" "${micro[@]}")
	log "results in $RESULTS, report in $OUT, chart in $SVG"
}

main "$@"
