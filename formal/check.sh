#!/usr/bin/env bash
# formal/check.sh: check the Promela model of lock.Lock (formal/lock.pml)
# exhaustively with spin. See docs/formal.md.
#
#   bash formal/check.sh              the CI suite (well under 2 minutes on 2 cores)
#   FORMAL_FULL=1 bash formal/check.sh    also the larger sizes (a few more minutes,
#                                     and about 2 GB of memory)
#   FORMAL_JOBS=n                     checks run in parallel (default: number of CPUs, at most 4)
#   FORMAL_ONLY=regex                 run only the checks whose id matches
#   FORMAL_KEEP=1                     keep the work directory (pan sources, trails)
#
# Every check compiles its own verifier from a copy of the model in a temporary
# directory; nothing is written into the repository. Exits non-zero if a
# property fails on the model of lock.go, if a check is incomplete (depth or
# memory limit), or if spin does not reject a deliberately broken variant of
# the model with the expected kind of error.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
model="$here/lock.pml"
[ -f "$model" ] || { echo "check.sh: $model not found" >&2; exit 2; }

# ---- tools ------------------------------------------------------------------

if ! command -v spin >/dev/null 2>&1; then
	echo "== spin not found: installing Debian's spin package"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq spin >/dev/null
fi
command -v gcc >/dev/null 2>&1 || { echo "check.sh: gcc is required" >&2; exit 2; }
echo "== $(spin -V)"

work="$(mktemp -d "${TMPDIR:-/tmp}/lockcheck-formal.XXXXXX")"
if [ "${FORMAL_KEEP:-}" = 1 ]; then
	echo "== work directory: $work (kept)"
else
	trap 'rm -rf "$work"' EXIT
fi

cpus="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
jobs="${FORMAL_JOBS:-$(( cpus > 4 ? 4 : cpus ))}"
full="${FORMAL_FULL:-0}"

# ---- the checks ---------------------------------------------------------------
#
# id | property | spin -D flags | verifier | expect
#   property  safety: assertions (mutual exclusion, return values, release of
#             an unlocked lock, internal invariants) and invalid end states
#             (deadlock, lost wake-up of a waiter that has nobody to wake it);
#             progress, nolostwake: LTL under weak fairness (ltl blocks of lock.pml)
#   verifier  small | big (big: -DCOLLAPSE, more memory, run one at a time)
#   expect    pass, or fail:<regex> that spin's report must match (a
#             counterexample of that kind), or known:<regex> (a documented
#             counterexample; its absence is reported, not an error)

checks=(
	# the model of lock.go: Load and CAS as separate steps (FUSED=0)
	"safety-2x3       |safety    |-DN=2 -DOPS=3                        |small|pass"
	"safety-2xinf     |safety    |-DN=2 -DOPS=0                        |small|pass"
	"safety-3x1       |safety    |-DN=3 -DOPS=1                        |small|pass"
	"owned-3x1        |safety    |-DN=3 -DOPS=1 -DOWNED=1 -DHANDOFF_LOCKED=1|small|pass"
	"owned-2xinf      |safety    |-DN=2 -DOPS=0 -DOWNED=1 -DHANDOFF_LOCKED=1|small|pass"
	"progress-2x3     |progress  |-DN=2 -DOPS=3                        |small|pass"
	"progress-3x1     |progress  |-DN=3 -DOPS=1                        |small|pass"
	"nolostwake-2xinf |nolostwake|-DN=2 -DOPS=0                        |small|pass"
	"nolostwake-3x1   |nolostwake|-DN=3 -DOPS=1                        |small|pass"
	# Load and CAS fused (FUSED=1: same behaviours up to stuttering)
	"fused-safety-3x1 |safety    |-DN=3 -DOPS=1 -DFUSED=1              |small|pass"
	# expected counterexamples that are not bugs
	"starvation-2xinf |progress  |-DN=2 -DOPS=0                        |small|fail:acceptance cycle"
	"stale-handoff-3x2|safety    |-DN=3 -DOPS=2 -DFUSED=1 -DHANDOFF_LOCKED=1|small|known:assertion violated"
	# deliberately broken variants: spin must find the bug
	"broken1-safety   |safety    |-DN=2 -DOPS=2 -DBROKEN=1             |small|fail:invalid end state"
	"broken1-progress |progress  |-DN=2 -DOPS=2 -DBROKEN=1             |small|fail:acceptance cycle"
	"broken1-nolost   |nolostwake|-DN=2 -DOPS=0 -DBROKEN=1             |small|fail:acceptance cycle"
	"broken2-safety   |safety    |-DN=2 -DOPS=2 -DBROKEN=2             |small|fail:invalid end state"
	"broken2-nolost   |nolostwake|-DN=2 -DOPS=0 -DBROKEN=2             |small|fail:acceptance cycle"
	"broken3-safety   |safety    |-DN=2 -DOPS=2 -DBROKEN=3             |small|fail:assertion violated \\(res==got"
	"broken4-safety   |safety    |-DN=2 -DOPS=2 -DBROKEN=4             |small|fail:assertion violated \\(res==didrel"
	"broken5-safety   |safety    |-DN=2 -DOPS=2 -DBROKEN=5             |small|fail:assertion violated \\(\\(\\(state&1\\)!=0\\)==\\(owner!=255\\)"
	# the same bug, caught by the classic check alone (only holders release;
	# no assertion about the abstract lock): two goroutines in the critical section
	"broken5-classic  |safety    |-DN=2 -DOPS=3 -DOWNED=1 -DNO_LIN=1 -DBROKEN=5|small|fail:assertion violated \\( !\\(cs\\[_pid\\]\\)"
)
if [ "$full" = 1 ]; then
	checks+=(
		"safety-2x5       |safety    |-DN=2 -DOPS=5                        |small|pass"
		"progress-2x4     |progress  |-DN=2 -DOPS=4                        |small|pass"
		"fused-safety-4x1 |safety    |-DN=4 -DOPS=1 -DFUSED=1              |big|pass"
		"fused-safety-3x2 |safety    |-DN=3 -DOPS=2 -DFUSED=1              |big|pass"
		"fused-owned-3x2  |safety    |-DN=3 -DOPS=2 -DFUSED=1 -DOWNED=1 -DHANDOFF_LOCKED=1|big|pass"
	)
fi

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# run_check id property flags verifier: compile and run one verifier in $work/id.
run_check() {
	local id="$1" prop="$2" flags="$3" size="$4"
	local dir="$work/$id" start end cflags runflags
	mkdir -p "$dir"
	cp "$model" "$dir/lock.pml"
	start="$(date +%s.%N)"
	# shellcheck disable=SC2086
	if [ "$prop" = safety ]; then
		cflags="-DSAFETY"
		runflags=""
	else
		flags="$flags -DLTL=1"
		cflags=""
		runflags="-a -f -N $prop"
	fi
	if [ "$size" = big ]; then
		cflags="$cflags -DCOLLAPSE -DMEMLIM=12000"
		runflags="$runflags -w27"
	else
		cflags="$cflags -DMEMLIM=3000"
		runflags="$runflags -w22"
	fi
	(
		cd "$dir"
		# shellcheck disable=SC2086
		spin $flags -a lock.pml >spin.out 2>&1 &&
			gcc -O2 -w $cflags -o pan pan.c >gcc.out 2>&1 &&
			./pan $runflags -m500000 >pan.out 2>&1
		echo "$?" >rc
		# a counterexample: the calls and state changes that lead to it
		if [ -f lock.pml.trail ]; then
			# shellcheck disable=SC2086
			spin $flags -t lock.pml 2>&1 |
				grep -E '^[[:space:]]+p[0-9]|START OF CYCLE|assertion|spin: trail ends' >trail.txt || true
		fi
		rm -f pan pan.[bchmpt] pan.c pan.pre _spin_nvr.tmp
	)
	end="$(date +%s.%N)"
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }' >"$dir/wall"
}

# ---- run ------------------------------------------------------------------------

ids=()
for c in "${checks[@]}"; do
	IFS='|' read -r id prop flags size expect <<<"$c"
	id="$(trim "$id")"; prop="$(trim "$prop")"; flags="$(trim "$flags")"; size="$(trim "$size")"
	if [ -n "${FORMAL_ONLY:-}" ] && ! [[ "$id" =~ ${FORMAL_ONLY} ]]; then continue; fi
	ids+=("$c")
done

echo "== ${#ids[@]} checks, $jobs at a time (FORMAL_FULL=$full)"
running=0
for c in "${ids[@]}"; do
	IFS='|' read -r id prop flags size expect <<<"$c"
	id="$(trim "$id")"; prop="$(trim "$prop")"; flags="$(trim "$flags")"; size="$(trim "$size")"
	[ "$size" = big ] && continue
	run_check "$id" "$prop" "$flags" "$size" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
for c in "${ids[@]}"; do   # big ones one at a time: they need gigabytes each
	IFS='|' read -r id prop flags size expect <<<"$c"
	id="$(trim "$id")"; prop="$(trim "$prop")"; flags="$(trim "$flags")"; size="$(trim "$size")"
	[ "$size" = big ] || continue
	echo "   running $id ..."
	run_check "$id" "$prop" "$flags" "$size"
done

# ---- report ---------------------------------------------------------------------

status=0
rows=()
notes=()
for c in "${ids[@]}"; do
	IFS='|' read -r id prop flags size expect <<<"$c"
	id="$(trim "$id")"; prop="$(trim "$prop")"; flags="$(trim "$flags")"; expect="$(trim "$expect")"
	dir="$work/$id"
	out="$dir/pan.out"
	n="$(sed -n 's/.*-DN=\([0-9]*\).*/\1/p' <<<"$flags")"
	ops="$(sed -n 's/.*-DOPS=\([0-9]*\).*/\1/p' <<<"$flags")"
	[ "$ops" = 0 ] && ops="inf"
	variant=""
	for f in $flags; do
		case "$f" in
		-DN=* | -DOPS=*) ;;
		-DBROKEN=*) variant="$variant ${f#-D}" ;;
		-D*=1) f="${f#-D}"; variant="$variant ${f%=1}" ;;
		*) variant="$variant ${f#-D}" ;;
		esac
	done
	variant="$(trim "$variant")"
	[ -n "$variant" ] || variant="-"
	states="-"; trans="-"; secs="-"; wall="$(cat "$dir/wall" 2>/dev/null || echo -)"
	errors=""
	if [ -f "$out" ]; then
		secs="$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' "$out" | head -1)"
		[ -n "$secs" ] || secs="-"
		states="$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" | head -1)"
		trans="$(sed -n 's/^ *\([0-9.e+]*\) transitions.*/\1/p' "$out" | head -1)"
		errors="$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)"
	fi
	incomplete=""
	if [ ! -f "$out" ] || [ -z "$errors" ]; then
		incomplete="verifier did not run: $(cat "$dir/spin.out" "$dir/gcc.out" 2>/dev/null | head -5)"
	elif grep -qE 'max search depth too small|out of memory|memory limit|MEMLIM|Search not completed' "$out" && [ "$errors" = 0 ]; then
		incomplete="search incomplete: $(grep -E 'max search depth|out of memory|memory limit|MEMLIM' "$out" | head -1)"
	fi
	found="$(grep -E '^pan:[0-9]+: ' "$out" 2>/dev/null | head -1 | sed 's/^pan:[0-9]*: //' || true)"
	case "$expect" in
	pass)
		if [ -n "$incomplete" ]; then result="INCOMPLETE"; status=1; notes+=("$id: $incomplete")
		elif [ "$errors" = 0 ]; then result="ok (errors: 0)"
		else result="FAIL: $found"; status=1; notes+=("$id: $found (trail above; FORMAL_KEEP=1 keeps $dir)")
		fi ;;
	fail:* | known:*)
		want="${expect#*:}"
		if [ -n "$incomplete" ]; then result="INCOMPLETE"; status=1; notes+=("$id: $incomplete")
		elif [ "$errors" != 0 ] && grep -qE "^pan:[0-9]+: .*($want)" "$out"; then
			result="ok, found: $found"
		elif [ "$errors" != 0 ]; then
			result="WRONG ERROR: $found"; status=1; notes+=("$id: expected /$want/, found: $found")
		elif [[ "$expect" == known:* ]]; then
			result="NOTE: not found"; notes+=("$id: the documented counterexample is gone; update docs/formal.md")
		else
			result="NOT CAUGHT"; status=1; notes+=("$id: the broken variant passed: the check has lost its power")
		fi ;;
	esac
	rows+=("$(printf '%-18s %-10s %2s %4s  %-28s %12s %13s %7s %7s  %s' \
		"$id" "$prop" "$n" "$ops" "$variant" "$states" "$trans" "$secs" "$wall" "$result")")
done

echo
printf '%-18s %-10s %2s %4s  %-28s %12s %13s %7s %7s  %s\n' \
	check property N ops variant "states" "transitions" "search" "total" result
printf '%s\n' "${rows[@]}"

# the counterexamples spin found, shortened (in full for unexpected ones)
for c in "${ids[@]}"; do
	IFS='|' read -r id prop flags size expect <<<"$c"
	id="$(trim "$id")"; expect="$(trim "$expect")"
	t="$work/$id/trail.txt"
	[ -s "$t" ] || continue
	echo
	if [ "$expect" = pass ]; then
		echo "-- $id: UNEXPECTED counterexample (spin -t $(trim "$flags") lock.pml):"
		cat "$t"
	else
		lines="$(grep -c . "$t")"
		if [ "$lines" -le 40 ]; then
			echo "-- $id: spin's counterexample"
			cat "$t"
		else
			echo "-- $id: spin's counterexample ($lines lines; the last 24)"
			tail -n 24 "$t"
		fi
	fi
done

if [ "${#notes[@]}" -gt 0 ]; then
	echo
	printf '%s\n' "${notes[@]}"
fi
echo
if [ "$status" = 0 ]; then
	echo "== formal: all checks passed"
else
	echo "== formal: FAILED"
fi
exit "$status"
