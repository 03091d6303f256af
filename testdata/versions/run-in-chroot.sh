#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-in-chroot.sh: build tlsdiag and run its whole test suite against the
# Wireshark of another Debian release, in a debootstrap chroot per release.
#
# A plugin only loads into the Wireshark minor version it was built for, and
# the newer libwireshark needs a newer glibc than Debian 12 has: so each
# version gets a whole Debian, not an LD_LIBRARY_PATH. The chroots are kept
# in a cache directory, so that only the first run pays for debootstrap.
# The source tree and ../shared are bind-mounted read-only; the build tree
# lives inside the chroot and is made afresh on every run.

set -euo pipefail

readonly PACKAGES=(tshark wireshark-dev cmake gcc libc6-dev make pkg-config python3 parallel
    libglib2.0-dev libjson-glib-dev libgnutls28-dev)

usage() {
    cat <<EOF
Usage: $0 [OPTIONS] VERSION...

Builds tlsdiag (warnings as errors) and runs ctest in a Debian chroot with
the given Wireshark version, one chroot per version:

  4.0   Debian 12 bookworm (the host's own, for a clean-room run)
  4.4   Debian 13 trixie
  4.6   Debian sid

Options:
  -c, --cache DIR   keep the chroots in DIR (default: \$TLSDIAG_CHROOT_CACHE,
                    else /var/cache/tlsdiag/chroots); a chroot that is
                    there and complete is reused
  -r, --refresh     make the chroots afresh, even when cached
  -s, --sanitize    also build and test with the sanitizers, as the README's
                    test command does on the host
  -j, --jobs N      parallel build and test jobs (default: 2)
      --shell       instead of building, open a shell in the chroot of the
                    one VERSION given, with the same mounts (the last build
                    is in /tlsdiag/build): to look into a difference
  -h, --help        this text

Needs root (debootstrap, chroot, mounts). Installs debootstrap on the host
when missing. Exit status: 0 when every version passed, 1 when one failed,
2 on trouble before any test ran.
EOF
}

die() {
    echo "run-in-chroot.sh: $*" >&2
    exit 2
}

suite_for_version() {
    case "$1" in
        4.0) echo bookworm ;;
        4.4) echo trixie ;;
        4.6) echo sid ;;
        *) return 1 ;;
    esac
}

arguments=("$@")
cache="${TLSDIAG_CHROOT_CACHE:-/var/cache/tlsdiag/chroots}"
refresh=0
sanitize=0
shell=0
jobs=2
versions=()
while [ $# -gt 0 ]; do
    case "$1" in
        -c | --cache)
            [ $# -ge 2 ] || die "$1 needs a directory"
            cache="$2"
            shift 2
            ;;
        -r | --refresh) refresh=1; shift ;;
        -s | --sanitize) sanitize=1; shift ;;
        --shell) shell=1; shift ;;
        -j | --jobs)
            if [ $# -lt 2 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
                die "$1 needs a positive number"
            fi
            jobs="$2"
            shift 2
            ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *)
            suite_for_version "$1" >/dev/null || die "unknown Wireshark version '$1' (try --help)"
            versions+=("$1")
            shift
            ;;
    esac
done
[ ${#versions[@]} -gt 0 ] || { usage >&2; exit 2; }
[ "$shell" -eq 0 ] || [ ${#versions[@]} -eq 1 ] || die "--shell takes one version"
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
shared_dir=$(cd "$source_dir/.." && pwd)/shared
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# Mount points are read back from /proc/self/mounts, which escapes blanks.
[[ "$cache$source_dir$shared_dir" != *[[:space:]]* ]] ||
    die "paths with blanks are not supported: $cache, $source_dir"

# Mounts live in a private mount namespace: should this script die without
# running its trap (SIGKILL), they vanish with it instead of staying behind
# on the host, under a directory someone may later delete.
if [ -z "${TLSDIAG_CHROOT_NAMESPACE:-}" ]; then
    TLSDIAG_CHROOT_NAMESPACE=1 exec unshare --mount --propagation private -- \
        "$0" "${arguments[@]}"
fi

mounts_under() {
    awk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r
}

unmount_all_under() {
    local mount_point
    for mount_point in $(mounts_under "$1"); do
        umount "$mount_point" 2>/dev/null || umount -l "$mount_point"
    done
}

summary=$(mktemp)
# Other runs' mounts under the cache are in their own namespaces: the ones
# seen here are this run's.
trap 'unmount_all_under "$cache"; rm -f "$summary" "$summary".*' EXIT

# Each version runs in a worker subshell, in the background so that INT and
# TERM reach this trap at once rather than after the worker's end.
worker=""
stop() {
    trap - INT TERM
    if [ -n "$worker" ]; then
        kill -TERM "$worker" 2>/dev/null || true
        wait "$worker" || true
    fi
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

# stoppable [UNSHARE_OPTION...] -- COMMAND...: runs a long command
# (debootstrap, apt, the build) so that the worker can stop it: as a job it
# waits for, since a trap runs during "wait" but not during a foreground
# command, and in a PID namespace of its own, since killing the namespace's
# first process ends every process in it.
running=""
stoppable() {
    local status=0 options=()
    while [ "$1" != "--" ]; do
        options+=("$1")
        shift
    done
    shift
    unshare --pid --fork --kill-child ${options[@]+"${options[@]}"} -- "$@" &
    running=$!
    wait "$running" || status=$?
    running=""
    return "$status"
}

# Deletes a chroot directory, never what is bind-mounted into it.
remove_tree() {
    unmount_all_under "$1"
    [ -z "$(mounts_under "$1")" ] || die "mounts remain under $1: not deleting it"
    rm -rf --one-file-system -- "$1"
}

mount_system() {
    local root="$1"
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    # With /dev/pts, which apt wants for its terminal log.
    mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
}

bind_read_only() {
    mkdir -p "$2"
    mount --bind "$1" "$2"
    mount -o remount,bind,ro "$2"
}

readonly CHROOT_ENV=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    DEBIAN_FRONTEND=noninteractive)

in_chroot() {
    local root="$1"
    shift
    chroot "$root" "${CHROOT_ENV[@]}" "$@"
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null && return
    echo "run-in-chroot.sh: installing debootstrap on the host"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q debootstrap >/dev/null ||
        { apt-get update -q && apt-get install -y -q debootstrap >/dev/null; } ||
        die "cannot install debootstrap"
}

# The marker holds what the chroot was made with: a change of the package
# list makes the next run install what is new.
marker_content() {
    echo "packages: ${PACKAGES[*]}"
}

create_chroot() {
    local suite="$1" root="$2" partial="$2.partial"
    local mirror="${TLSDIAG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    ensure_debootstrap
    remove_tree "$partial"
    echo "== debootstrap $suite into $root"
    stoppable -- debootstrap --variant=minbase "$suite" "$partial" "$mirror" >"$partial.log" 2>&1 ||
        { tail -n 20 "$partial.log" >&2; die "debootstrap $suite failed (log: $partial.log)"; }
    # sid's Release files can outlive their Valid-Until on mirrors and
    # snapshots; the signatures are still checked.
    echo 'Acquire::Check-Valid-Until "false";' >"$partial/etc/apt/apt.conf.d/90tlsdiag"
    # Nothing installed here may start a service.
    printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
    chmod 755 "$partial/usr/sbin/policy-rc.d"
    install_packages "$partial"
    in_chroot "$partial" apt-get clean
    marker_content >"$partial/.tlsdiag-chroot"
    rm -f "$partial.log"
    mv "$partial" "$root"
}

install_packages() {
    local root="$1"
    mount_system "$root"
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        in_chroot "$root" debconf-set-selections
    stoppable --mount-proc="$root/proc" -- chroot "$root" "${CHROOT_ENV[@]}" \
        apt-get update -q >/dev/null ||
        die "apt-get update in $root failed"
    stoppable --mount-proc="$root/proc" -- chroot "$root" "${CHROOT_ENV[@]}" \
        apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >/dev/null ||
        die "installing the build dependencies in $root failed"
}

# Prints the Wireshark version of the chroot's wireshark-dev, MAJOR.MINOR.
chroot_wireshark() {
    in_chroot "$1" pkg-config --modversion wireshark | cut -d. -f1-2
}

run_version() {
    local version="$1" suite root started made="cached"
    suite=$(suite_for_version "$version")
    root="$cache/$suite"

    started=$SECONDS
    if [ "$refresh" -eq 1 ] || [ ! -f "$root/.tlsdiag-chroot" ]; then
        remove_tree "$root"
        echo "$version: making the $suite chroot failed" >"$summary.$version"
        create_chroot "$suite" "$root"
        made="made in $((SECONDS - started)) s"
        echo "== $suite chroot $made"
    elif [ "$(cat "$root/.tlsdiag-chroot")" != "$(marker_content)" ]; then
        install_packages "$root"
        in_chroot "$root" apt-get clean
        marker_content >"$root/.tlsdiag-chroot"
    fi

    mount_system "$root"
    local found
    found=$(chroot_wireshark "$root")
    if [ "$found" != "$version" ]; then
        echo "run-in-chroot.sh: Debian $suite now has Wireshark $found, not $version:" \
            "update the table in $0" | tee "$summary.$version" >&2
        return 1
    fi

    bind_read_only "$source_dir" "$root/tlsdiag/src"
    if [ -d "$shared_dir" ]; then
        bind_read_only "$shared_dir" "$root/tlsdiag/shared"
    fi

    if [ "$shell" -eq 1 ]; then
        echo "== shell in $root (Wireshark $version); the source is read-only in /tlsdiag/src"
        in_chroot "$root" /bin/bash -i <&"$terminal" || true
        unmount_all_under "$root"
        return 0
    fi

    # The README's test command, with the build trees inside the chroot.
    local build="cmake -S /tlsdiag/src -B /tlsdiag/build"
    build+=" && cmake --build /tlsdiag/build -j$jobs"
    build+=" && ctest --test-dir /tlsdiag/build -j$jobs --output-on-failure"
    if [ "$sanitize" -eq 1 ]; then
        build+=" && cmake -S /tlsdiag/src -B /tlsdiag/build-sanitize -DTLSDIAG_SANITIZE=ON"
        build+=" && cmake --build /tlsdiag/build-sanitize -j$jobs"
        build+=" && ctest --test-dir /tlsdiag/build-sanitize -j$jobs --output-on-failure"
    fi
    rm -rf --one-file-system "$root/tlsdiag/build" "$root/tlsdiag/build-sanitize"

    echo "== Wireshark $version (Debian $suite): $build"
    started=$SECONDS
    local status=0 log="$root/tlsdiag/run.log"
    # The build's /proc is that of its PID namespace: LeakSanitizer reads
    # its own threads there.
    # shellcheck disable=SC2016 # $0 and $@ belong to the inner bash
    stoppable --mount-proc="$root/proc" -- bash -o pipefail -c '"$@" 2>&1 | tee "$0"' "$log" \
        chroot "$root" "${CHROOT_ENV[@]}" /bin/bash -euo pipefail -c "$build" || status=$?
    local took=$((SECONDS - started)) counts
    counts=$(grep -E '^[0-9]+% tests passed' "$log" | paste -sd';' -) || counts="no tests ran"
    echo "$version ($suite chroot $made): build and tests ${took} s, exit status $status: $counts" \
        >"$summary.$version"
    unmount_all_under "$root"
    return "$status"
}

# The worker's own stdin is /dev/null, as for any background job.
exec {terminal}<&0
failed=()
for version in "${versions[@]}"; do
    suite=$(suite_for_version "$version")
    # One run at a time per chroot: another run waits rather than sharing mounts.
    exec {lock}>"$cache/$suite.lock"
    flock -n "$lock" || { echo "== waiting for another run in $cache/$suite"; flock "$lock"; }
    # A subshell keeps errexit working inside run_version, which a
    # "run_version || ..." would switch off.
    set +e
    (
        set -e
        trap '[ -z "$running" ] || kill -KILL "$running"; exit 143' TERM
        run_version "$version"
    ) &
    worker=$!
    wait "$worker"
    status=$?
    worker=""
    set -e
    [ "$status" -eq 0 ] || failed+=("$version")
    exec {lock}>&-
done

[ "$shell" -eq 0 ] || exit 0
echo "== Summary (Wireshark, chroot, times, ctest)"
for version in "${versions[@]}"; do
    cat "$summary.$version" 2>/dev/null || echo "$version: did not run"
    rm -f "$summary.$version"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "run-in-chroot.sh: failed on Wireshark ${failed[*]}" >&2
    exit 1
fi
echo "run-in-chroot.sh: passed on Wireshark ${versions[*]}"
