#!/bin/bash
# Install smartdowel on Raspberry Pi OS Bookworm (Pi Zero 2 W to Pi 5) or any Debian
# Bookworm, or update it.
#
#   sudo systemd/install.sh              install or update, from this source tree
#   sudo systemd/install.sh --demo       a demo box: the service runs the simulated dowel
#   systemd/install.sh --dry-run         print every step, change nothing
#   systemd/install.sh --root DIR        put the files under DIR and enable the units
#                                        there (staging, tests): apt, users, venv and
#                                        pip are printed, not run
#
# Idempotent: a second run changes nothing and says so; a run after a failed one
# finishes what was left and repeats what is still to do (a reboot). Without a
# running systemd (inside a chroot, as an image builder runs it) the units are
# enabled offline and the service starts at first boot. Why Debian's packages and
# not pip's for pygame, numpy, lgpio and smbus2: on a Pi Zero 2 W a wheel missing
# for its Python means an hour of compiling, or a failure; apt has them built.
set -euo pipefail

SERVICE_USER=smartdowel
SERVICE_GROUPS=(gpio i2c spi video render input audio)
APT_PACKAGES=(python3 python3-venv python3-pip python3-setuptools python3-wheel
              python3-numpy python3-pygame python3-lgpio python3-gpiozero python3-smbus2
              i2c-tools polkitd ca-certificates)
# In Raspberry Pi OS's archive only: elsewhere the venv gets lgpio from PyPI (setup.py's
# "lgpio" extra), or nothing on a demo box, which has no pins to drive.
PI_ONLY_PACKAGES=(python3-lgpio)
PREFIX=/opt/smartdowel
VENV=$PREFIX/venv
PENDING=$PREFIX/install-pending
UNIT_DIR=/etc/systemd/system
DROPIN=$UNIT_DIR/smartdowel.service.d/demo.conf
UDEV_DIR=/etc/udev/rules.d
POLKIT_DIR=/etc/polkit-1/rules.d
MODULES_DIR=/etc/modules-load.d
CONFIG_TXT=/boot/firmware/config.txt
I2C_LINE=dtparam=i2c_arm=on
PYTHON=${PYTHON:-/usr/bin/python3}

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
root=""
dry_run=0
demo=0
booted=0         # a running systemd to reload and restart (not a chroot, not --root)
restart=0        # the service must be (re)started to run what was installed
reboot=0         # the I2C bus comes on only after a reboot
pip_extras=""    # "lgpio" where apt has no python3-lgpio
VENV_PY=""       # the venv's python, under --root too
invocation=""    # this script as it was run, for the failure lines

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "$0"
}

die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
            --demo) demo=1 ;;
            --dry-run) dry_run=1 ;;
            --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift ;;
            --root=*) root=${1#--root=} ;;
            --source) [ $# -ge 2 ] || die "--source needs a directory"; src=$2; shift ;;
            -h|--help) usage; exit 0 ;;
            *) die "unknown option $1 (try --help)" ;;
        esac
        shift
    done
    if [ -n "$root" ]; then
        [ -d "$root" ] || die "--root $root is not a directory"
        root=$(cd "$root" && pwd)
    fi
    [ -f "$src/setup.py" ] || die "no setup.py in $src: run this script from the source tree"
    # sd_booted(): systemd made this directory, so it runs here as PID 1; and this is
    # not a chroot into another root (an image builder may bind the host's /run in).
    if on_host && [ -d /run/systemd/system ] && [ "$(root_id /)" = "$(root_id /proc/1/root/.)" ]; then
        booted=1
    fi
}

root_id() { stat -c %d:%i "$1" 2>/dev/null || echo none; }

# --- how each kind of step runs ------------------------------------------------

say() { printf '%s\n' "$*"; }

# A command as it would be typed: words with spaces or quotes single-quoted.
show() {
    local out="" arg
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./=:,@%+-]+$ ]]; then
            out+=" $arg"
        else
            out+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    printf '%s' "${out# }"
}

# A command that changes the running system (apt, users, venv, pip, systemctl):
# printed always, run only for real (not with --dry-run, not with --root).
system() {
    if [ "$dry_run" = 1 ]; then
        say "  [dry run] $(show "$@")"
    elif [ -n "$root" ]; then
        say "  [not run: --root] $(show "$@")"
    else
        say "  + $(show "$@")"
        "$@"
    fi
}

# A change to files under the target root: printed always, run unless --dry-run.
files() {
    if [ "$dry_run" = 1 ]; then
        say "  [dry run] $(show "$@")"
    else
        say "  + $(show "$@")"
        "$@"
    fi
}

# True when the real system's state may be asked (not under --root).
on_host() { [ -z "$root" ]; }

# The one line a failed step ends with: what failed, what to do. The pending file
# keeps what the next run must still do.
failed() {
    say "install.sh: $*" >&2
    exit 1
}

# --- what a failed run leaves for the next one --------------------------------------

boot_id() { cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown; }

# Read at the start: a restart a failed run did not get to, a reboot not yet done.
# Both are kept with the boot they were asked in: a reboot since then did both.
load_pending() {
    local file=$root$PENDING word value
    [ "$booted" = 1 ] && [ -f "$file" ] || return 0
    while read -r word value; do
        [ "$value" = "$(boot_id)" ] || continue
        case $word in
            restart) restart=1; say "  ! a run before this one did not get to start the service: this one does" ;;
            reboot) reboot=1; say "  ! a run before this one changed I2C settings: the box still needs a reboot" ;;
        esac
    done < "$file"
}

# Written as soon as a change needs it, so a run that fails later still knows.
save_pending() {
    [ "$booted" = 1 ] && [ "$dry_run" = 0 ] || return 0
    local file=$root$PENDING
    if [ "$restart" = 0 ] && [ "$reboot" = 0 ]; then
        rm -f "$file"
        return
    fi
    mkdir -p "$(dirname "$file")"
    {
        if [ "$restart" = 1 ]; then echo "restart $(boot_id)"; fi
        if [ "$reboot" = 1 ]; then echo "reboot $(boot_id)"; fi
    } > "$file.new"
    mv "$file.new" "$file"
}

needs_restart() { restart=1; save_pending; }
needs_reboot() { reboot=1; save_pending; }

# --- steps ------------------------------------------------------------------------

# Output taken whole, then matched: `cmd | grep -q` fails under pipefail when grep
# stops reading early and the command dies of SIGPIPE.
installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *"ok installed"* ]]; }

# apt knows the package (after apt-get update): Raspberry Pi OS has python3-lgpio, Debian not.
available() { [[ $(apt-cache policy "$1" 2>/dev/null) =~ Candidate:\ [^\(] ]]; }

apt_packages() {
    say "== apt packages"
    local missing=() wanted=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if on_host && installed "$pkg"; then continue; fi
        missing+=("$pkg")
    done
    if on_host && [ "$dry_run" = 0 ] && [ ${#missing[@]} -gt 0 ]; then
        if needs_update "${missing[@]}"; then
            system apt-get update || failed "apt-get update failed: check the network and the apt sources, then run this script again"
        fi
        for pkg in "${missing[@]}"; do
            if is_pi_only "$pkg" && ! available "$pkg"; then
                pi_only_missing "$pkg"
            else
                wanted+=("$pkg")
            fi
        done
        missing=("${wanted[@]}")
    elif [ ${#missing[@]} -gt 0 ]; then
        system apt-get update
    fi
    if [ ${#missing[@]} -eq 0 ]; then
        say "  = all installed"
        return
    fi
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
        || failed "apt-get install failed (${missing[*]}): check the network, the apt sources and free space (df -h /), then run this script again"
}

# An update is needed unless all that is missing is Pi-only packages that apt's
# lists (there already: python3 has a candidate) say this archive does not have.
needs_update() {
    local pkg
    available python3 || return 0
    for pkg in "$@"; do
        if ! is_pi_only "$pkg" || available "$pkg"; then return 0; fi
    done
    return 1
}

is_pi_only() {
    local p
    for p in "${PI_ONLY_PACKAGES[@]}"; do [ "$p" = "$1" ] && return 0; done
    return 1
}

pi_only_missing() {
    if [ "$demo" = 1 ]; then
        say "  ! $1 is in Raspberry Pi OS's archive only (not this system's): not needed on a demo box"
    else
        say "  ! $1 is in Raspberry Pi OS's archive only (not this system's): lgpio comes from PyPI into the venv"
        pip_extras=lgpio
    fi
}

# The real board needs a Pi; say so once where it matters, before anything is installed.
board_note() {
    on_host && [ "$demo" = 0 ] || return 0
    if ! grep -qs "Raspberry Pi" /proc/device-tree/model; then
        say "  ! not a Raspberry Pi (or building an image for one): the service will look for the"
        say "    real board at start; for a box without sensors run this script with --demo"
    fi
}

user_and_groups() {
    say "== user $SERVICE_USER"
    local g
    if ! on_host; then
        say "  [not run: --root] groupadd --system GROUP, for each missing one of: ${SERVICE_GROUPS[*]}"
    else
        for g in "${SERVICE_GROUPS[@]}"; do
            getent group "$g" >/dev/null || system groupadd --system "$g"
        done
    fi
    if on_host && getent passwd "$SERVICE_USER" >/dev/null; then
        say "  = user exists"
    else
        system useradd --system --user-group --home-dir /var/lib/smartdowel --no-create-home \
            --shell /usr/sbin/nologin --comment "smartdowel appliance" "$SERVICE_USER"
    fi
    local want have=""
    want=$(IFS=,; echo "${SERVICE_GROUPS[*]}")
    if on_host; then
        have=$(id -nG "$SERVICE_USER" 2>/dev/null || true)
    fi
    for g in "${SERVICE_GROUPS[@]}"; do
        case " $have " in
            *" $g "*) ;;
            *) system usermod --append --groups "$want" "$SERVICE_USER"; return ;;
        esac
    done
    say "  = in groups $want"
}

source_hash() {
    (cd "$src" && find device drivers ui setup.py -type f ! -path '*/__pycache__/*' -print0 2>/dev/null \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

venv_and_package() {
    say "== venv $VENV and the smartdowel package"
    local venv=$root$VENV stamp=$root$PREFIX/source.sha256 want target=$src
    place "$src/README.md" "$root$PREFIX/README.md" 644 || true
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        say "  = venv exists"
    else
        # --clear: a venv left half-made by a failed run is made again.
        system "$PYTHON" -m venv --clear --system-site-packages "$venv" \
            || failed "could not make the venv $VENV: is python3-venv installed? Then run this script again"
    fi
    want="$(source_hash)${pip_extras:+ $pip_extras}"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        say "  = package up to date (source ${want})"
        return
    fi
    [ -z "$pip_extras" ] || target="${src}[$pip_extras]"
    # Dependencies already there from apt are used as they are; pip fetches only what
    # apt lacks: gpiozero 2 on Debian (its archive has 1.6.2), lgpio off Raspberry Pi OS.
    # No build isolation: it would download setuptools for every install.
    system "$VENV_PY" -m pip install --disable-pip-version-check --root-user-action=ignore \
        --no-build-isolation "$target" \
        || failed "pip could not install smartdowel into $VENV (it fetches gpiozero>=2${pip_extras:+ and lgpio} from PyPI): connect to the network, or put those wheels in a folder DIR and run: sudo PIP_NO_INDEX=1 PIP_FIND_LINKS=DIR $invocation"
    local imports="device.cli, drivers.ads1115, gpiozero, smbus2, pygame, numpy"
    [ "$demo" = 1 ] || imports="$imports, lgpio"
    system env PYGAME_HIDE_SUPPORT_PROMPT=1 "$VENV_PY" -c "import $imports" \
        || failed "the venv cannot import what the app needs ($imports): see the error above, then run this script again"
    # The stamp records what pip installed, so only a real install writes it.
    if on_host; then
        needs_restart
        [ "$dry_run" = 1 ] || printf '%s\n' "$want" > "$stamp"
    fi
}

# Copy SRC to DEST (under root) with MODE unless it is there already; 0 when copied.
place() {
    local from=$1 dest=$2 mode=$3
    if [ -f "$dest" ] && cmp -s "$from" "$dest" && [ "$(stat -c %a "$dest")" = "$mode" ]; then
        say "  = ${dest#"$root"}"
        return 1
    fi
    files install -D -m "$mode" "$from" "$dest"
    return 0
}

units_and_rules() {
    say "== units, udev rule, polkit rule"
    local unit changed=0
    for unit in smartdowel.service smartdowel-usb@.service media-smartdowel.mount; do
        if place "$here/$unit" "$root$UNIT_DIR/$unit" 644; then changed=1; fi
    done
    if [ "$demo" = 1 ]; then
        if place "$here/smartdowel-demo.conf" "$root$DROPIN" 644; then changed=1; fi
    elif [ -e "$root$DROPIN" ]; then
        files rm -f "$root$DROPIN"
        changed=1
    fi
    if place "$here/99-smartdowel-usb.rules" "$root$UDEV_DIR/99-smartdowel-usb.rules" 644; then changed=1; fi
    place "$here/50-smartdowel.rules" "$root$POLKIT_DIR/50-smartdowel.rules" 644 || true
    if place "$here/smartdowel-modules.conf" "$root$MODULES_DIR/smartdowel.conf" 644; then changed=1; fi
    if [ "$changed" = 1 ]; then needs_restart; fi
}

# The line that turns the I2C bus on, once, under [all]: uncommented if Raspberry
# Pi OS's "#dtparam=i2c_arm=on" is there, appended otherwise. Anything else that
# mentions i2c_arm (a baud rate, "off") is left for the owner to decide.
enable_i2c() {
    say "== I2C in $CONFIG_TXT"
    local conf=$root$CONFIG_TXT
    if [ "$demo" = 1 ]; then
        say "  = demo box: the simulated dowel needs no I2C bus"
        return
    fi
    if [ ! -f "$conf" ]; then
        say "  ! $conf not found: not a Raspberry Pi OS Bookworm boot partition; enable I2C by hand"
        return
    fi
    if grep -Eq "^[[:space:]]*$I2C_LINE([[:space:],]|$)" "$conf"; then
        say "  = $I2C_LINE already set"
        return
    fi
    [ -f "$conf.smartdowel-backup" ] || files cp -p "$conf" "$conf.smartdowel-backup"
    if grep -Eq "^#[[:space:]]*${I2C_LINE}[[:space:]]*$" "$conf"; then
        files sed -i -E "0,/^#[[:space:]]*${I2C_LINE}[[:space:]]*$/s//${I2C_LINE}/" "$conf"
    else
        say "  + append [all] $I2C_LINE to $conf"
        [ "$dry_run" = 1 ] || printf '\n[all]\n%s\n' "$I2C_LINE" >> "$conf"
    fi
    needs_reboot
}

# --- I2C bus at 400 kHz -----------------------------------------------------------
# Both chips on the bus (ADS1115, MPU-6050) are fast-mode (400 kHz) parts. At the
# Pi's default 100 kHz a Pi Zero 2 W holds 100 samples a second with little to
# spare (bench/board_bench.py, ADR 0021). The line goes under [all], once; a baud
# rate someone set by hand, whatever its value, is left alone and reported.
I2C_BAUD=400000
I2C_BAUD_LINE=dtparam=i2c_arm_baudrate=$I2C_BAUD

i2c_fast_mode() {
    say "== I2C at $I2C_BAUD Hz in $CONFIG_TXT"
    local conf=$root$CONFIG_TXT have last
    if [ "$demo" = 1 ]; then
        say "  = demo box: no I2C bus to speed up"
        return
    fi
    if [ ! -f "$conf" ]; then
        say "  ! $conf not found: not a Raspberry Pi OS Bookworm boot partition; set $I2C_BAUD_LINE by hand"
        return
    fi
    have=$(grep -Eo '^[[:space:]]*dtparam=([^#]*,)?i2c_arm_baudrate=[0-9]+' "$conf" \
        | grep -Eo '[0-9]+$' | tail -n 1 || true)
    if [ "$have" = "$I2C_BAUD" ]; then
        say "  = i2c_arm_baudrate=$I2C_BAUD already set"
        return
    fi
    if [ -n "$have" ]; then
        say "  ! i2c_arm_baudrate=$have set by hand: left as it is (the box expects $I2C_BAUD)"
        return
    fi
    [ -f "$conf.smartdowel-backup" ] || files cp -p "$conf" "$conf.smartdowel-backup"
    if [ "$dry_run" = 1 ]; then
        say "  [dry run] append $I2C_BAUD_LINE under [all] to $conf"
    else
        say "  + append $I2C_BAUD_LINE under [all] to $conf"
        [ -z "$(tail -c 1 "$conf")" ] || printf '\n' >> "$conf"
        last=$(grep -E '^[[:space:]]*\[' "$conf" | tail -n 1 | tr -d '[:space:]' || true)
        if [ "$last" = "[all]" ]; then
            printf '%s\n' "$I2C_BAUD_LINE" >> "$conf"
        else
            printf '\n[all]\n%s\n' "$I2C_BAUD_LINE" >> "$conf"
        fi
    fi
    needs_reboot
}
# --- end of I2C bus at 400 kHz -------------------------------------------------------

systemd_steps() {
    say "== systemd"
    if [ "$booted" = 1 ]; then
        enable_unit
        if [ "$restart" = 1 ]; then
            system systemctl daemon-reload || failed "systemctl daemon-reload failed: see the error above, then run this script again"
            reload_udev
            system systemctl restart systemd-modules-load.service \
                || say "  ! could not load i2c-dev now: it loads at the next boot"
        fi
        start_service
    else
        say "  = no running systemd here (${root:-a chroot or image build}): nothing to reload;"
        say "    the service starts at first boot"
        enable_unit
    fi
}

enable_unit() {
    local offline=()
    [ "$booted" = 1 ] || offline=(--root="${root:-/}")
    if ! command -v systemctl >/dev/null; then
        say "  ! systemctl not found: enable smartdowel.service on the box (systemctl enable smartdowel)"
        return
    fi
    if systemctl "${offline[@]}" is-enabled --quiet smartdowel.service 2>/dev/null; then
        say "  = smartdowel.service enabled"
    else
        files systemctl "${offline[@]}" enable smartdowel.service \
            || failed "systemctl enable smartdowel.service failed: see the error above, then run this script again"
    fi
}

# udev reads a changed rule by itself; the reload makes it at once. No udev daemon
# (a container, an image build) is no reason to stop: the rule is read when it starts.
reload_udev() {
    if command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then
        say "  + udevadm control --reload"
    else
        say "  ! udevadm control --reload: no udev daemon here (a container?); the rule is read when udev starts"
    fi
}

start_service() {
    if [ "$reboot" = 1 ]; then
        say "  ! I2C settings changed: reboot to start the service (sudo reboot)"
        return
    fi
    if [ "$restart" = 1 ]; then
        system systemctl restart smartdowel.service \
            || failed "smartdowel.service did not start: see journalctl -u smartdowel -n 50; this script starts it when run again"
    elif ! systemctl is-active --quiet smartdowel.service; then
        say "  ! smartdowel.service was not running"
        system systemctl start smartdowel.service \
            || failed "smartdowel.service did not start: see journalctl -u smartdowel -n 50; this script starts it when run again"
    else
        say "  = nothing changed: service left as it is"
    fi
    restart=0
    save_pending
}

main() {
    parse_args "$@"
    if [ "$dry_run" = 0 ] && on_host && [ "$(id -u)" != 0 ]; then
        die "run as root (sudo $0), or with --dry-run or --root DIR"
    fi
    VENV_PY=$root$VENV/bin/python
    invocation="$0 $*"
    local how=""
    [ "$dry_run" = 1 ] && how=" (dry run: nothing is changed)"
    [ "$demo" = 1 ] && how="$how (demo box: the simulated dowel)"
    say "smartdowel install from $src${root:+ into $root}$how"
    load_pending
    board_note
    apt_packages
    user_and_groups
    venv_and_package
    units_and_rules
    enable_i2c
    i2c_fast_mode
    systemd_steps
    if [ "$demo" = 1 ]; then
        say "done: a demo box (the simulated dowel). journalctl -u smartdowel -f shows its events."
        return
    fi
    say "done. To check the wiring (the service must not hold the pins meanwhile):"
    say "  sudo systemctl stop smartdowel"
    say "  sudo -u $SERVICE_USER SMARTDOWEL_DATA=/var/lib/smartdowel SDL_VIDEODRIVER=kmsdrm $VENV/bin/smartdowel selftest"
    say "  sudo systemctl start smartdowel"
}

main "$@"
