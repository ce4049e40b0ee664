#!/usr/bin/env bash
# bench/micro.sh runs hawser's Go micro-benchmarks (-benchmem, several
# counts) for the hot paths and keeps the raw `go test -bench` output, for
# bench/report's "Go micro-benchmarks" section. bench/run.sh calls it
# after the scenarios (MICRO=0 skips it there); on its own it only
# measures, and the report merges the file into an existing run:
#
#   bench/micro.sh                                    # writes bench/results/micro-<time>.txt
#   bench/micro.sh /tmp/micro.txt                     # or the file given
#   go run ./bench/report -results bench/results/<run> -micro /tmp/micro.txt \
#       -out docs/benchmarks.md -svg docs/benchmarks.svg   # re-render with it
#
# Environment (defaults in brackets):
#   MICRO_COUNT [5]          runs of each benchmark (the report takes medians)
#   MICRO_BENCHTIME [400ms]  -benchtime of each run; about 2.5 minutes in all
#   MICRO_NOTE []            a sentence the report prints with the load average
#                            (what else was running, say)
#   BUILD_FROM [head]        head: benchmark commit BUILD_REV from a clean
#                            export; worktree: the working tree as it is
#   BUILD_REV [HEAD]         the commit to benchmark when BUILD_FROM=head
#
# Extending: add a line to MICRO_SUITES (package, then the -bench regexp).
# The report groups benchmarks by package; give a new package an area in
# bench/report/micro.go.
set -euo pipefail

# MICRO_SUITES lists the packages and the benchmarks picked from each: the
# representative ones for every hot path, not every benchmark there is,
# so the whole step stays near two minutes.
# ProxyKeepAliveParallel runs on its own: it is the one that races the
# proxy's connection setup from several goroutines, and a crash there
# should not cost the other proxy numbers.
MICRO_SUITES=(
	"./bench ^Benchmark(Direct|ProxyKeepAlive|ProxyNewConn|EngineActive)$"
	"./bench ^BenchmarkProxyKeepAliveParallel$"
	"./bench ^BenchmarkProxyKeepAlive(Parallel)?HTTPLogUDP$"
	"./bench ^BenchmarkDataplaneCommit10kServers$"
	"./bench ^BenchmarkProxyLarge(Response|Request)$"
	"./internal/sockio ^BenchmarkConn$"
	"./internal/balance ^BenchmarkAcquireRelease(Parallel)?$"
	"./internal/acl ^Benchmark(Match|Eval|MatchIPFile100k)$"
	"./internal/maps ^BenchmarkLookup(Str|Beg|IP)100k$"
	"./internal/stick ^Benchmark(TrackIncRelease|TrackStringKey|Parallel|CreateEvict)$"
	"./internal/h1 ^Benchmark(ParseRequest|HeadEnd|CopyChunked)$"
	"./internal/logging ^Benchmark(AppendHTTPLog|AppendSample|LoggerLog)$"
	"./internal/stats ^BenchmarkPrometheus1000Servers$"
)

MICRO_COUNT=${MICRO_COUNT:-5}
MICRO_BENCHTIME=${MICRO_BENCHTIME:-400ms}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$REPO/bench/results/micro-$(date -u +%Y%m%dT%H%M%SZ).txt}

log() { printf '[micro] %s\n' "$*" >&2; }

# source_tree prints the directory to benchmark and sets REV: a clean
# export of BUILD_REV, so the numbers belong to exactly one commit and
# no half-edited package of someone else's can break the build, or the
# working tree with BUILD_FROM=worktree.
source_tree() {
	local rev=${BUILD_REV:-HEAD}
	if [[ ${BUILD_FROM:-head} == worktree ]]; then
		REV=$(git -C "$REPO" rev-parse --short HEAD)
		git -C "$REPO" diff --quiet HEAD -- bench cmd internal go.mod || REV="$REV+dirty"
		SRC=$REPO
		return 0
	fi
	REV=$(git -C "$REPO" rev-parse --short "$rev^{commit}")
	SRC=$(mktemp -d /tmp/hawser-micro.XXXXXX)
	trap 'rm -rf "$SRC"' EXIT
	git -C "$REPO" archive "$REV" | tar -x -C "$SRC"
}

# header writes the facts the report prints next to the numbers as
# `key: value` lines, which `go test -bench` output allows anywhere.
header() {
	printf 'date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'hawser-rev: %s\n' "$REV"
	printf 'go: %s\n' "$(go version | awk '{print $3}')"
	printf 'nproc: %s\n' "$(nproc)"
	printf 'benchtime: %s\ncount: %s\n' "$MICRO_BENCHTIME" "$MICRO_COUNT"
	printf 'load-before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	[[ -z ${MICRO_NOTE:-} ]] || printf 'note: %s\n' "$MICRO_NOTE"
}

main() {
	source_tree
	mkdir -p "$(dirname "$OUT")"
	header >"$OUT"
	local suite pkg re failed=0
	# One package at a time: go test runs several packages' binaries in
	# parallel, which would have the benchmarks compete for the CPUs.
	for suite in "${MICRO_SUITES[@]}"; do
		read -r pkg re <<<"$suite"
		log "$pkg $re"
		if ! (cd "$SRC" && go test -run '^$' -bench "$re" -benchmem \
			-count "$MICRO_COUNT" -benchtime "$MICRO_BENCHTIME" "$pkg") >>"$OUT" 2>&1; then
			# Keep going: the other packages' numbers are still worth having,
			# and the failure stays in the raw output.
			log "warning: $pkg failed, see $OUT"
			failed=1
		fi
	done
	printf 'load-after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"
	log "raw output in $OUT"
	return "$failed"
}

main "$@"
