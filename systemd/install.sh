#!/bin/bash
# Install smartdowel on Raspberry Pi OS Bookworm (Pi Zero 2 W to Pi 5), or update it.
#
#   sudo systemd/install.sh              install or update, from this source tree
#   systemd/install.sh --dry-run         print every step, change nothing
#   systemd/install.sh --root DIR        put the files under DIR (tests, staging): apt,
#                                        users, venv, pip, systemctl and udevadm are
#                                        printed, not run
#
# Idempotent: a second run changes nothing and says so. Why Debian's packages and
# not pip's for pygame, numpy, lgpio and smbus2: on a Pi Zero 2 W a wheel missing
# for its Python means an hour of compiling, or a failure; apt has them built.
set -euo pipefail

SERVICE_USER=smartdowel
SERVICE_GROUPS=(gpio i2c spi video render input audio)
APT_PACKAGES=(python3 python3-venv python3-pip python3-setuptools python3-wheel
              python3-numpy python3-pygame python3-lgpio python3-gpiozero python3-smbus2
              i2c-tools polkitd)
PREFIX=/opt/smartdowel
VENV=$PREFIX/venv
UNIT_DIR=/etc/systemd/system
UDEV_DIR=/etc/udev/rules.d
POLKIT_DIR=/etc/polkit-1/rules.d
MODULES_DIR=/etc/modules-load.d
MEDIA_DIR=/media/smartdowel
CONFIG_TXT=/boot/firmware/config.txt
I2C_LINE=dtparam=i2c_arm=on
PYTHON=${PYTHON:-/usr/bin/python3}

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
root=""
dry_run=0
changed_units=0
changed_rules=0
changed_package=0
needs_reboot=0

usage() {
    sed -n '2,8s/^# \{0,1\}//p' "$0"
}

die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
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
}

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

# --- steps ------------------------------------------------------------------------

apt_packages() {
    say "== apt packages"
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if on_host && dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
            continue
        fi
        missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "  = all installed"
        return
    fi
    system apt-get update
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
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
    local venv=$root$VENV stamp=$root$PREFIX/source.sha256 hash
    place "$src/README.md" "$root$PREFIX/README.md" 644 || true
    if [ -x "$venv/bin/python" ]; then
        say "  = venv exists"
    else
        system "$PYTHON" -m venv --system-site-packages "$venv"
    fi
    hash=$(source_hash)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        say "  = package up to date (source $hash)"
        return
    fi
    # Dependencies already there from apt are used as they are; pip fetches only what
    # apt lacks. No build isolation: it would download setuptools for every install.
    system "$venv/bin/python" -m pip install --disable-pip-version-check --root-user-action=ignore \
        --no-build-isolation "$src"
    system env PYGAME_HIDE_SUPPORT_PROMPT=1 "$venv/bin/python" -c \
        "import device.cli, drivers.ads1115, gpiozero, lgpio, smbus2, pygame, numpy"
    # The stamp records what pip installed, so only a real install writes it.
    if on_host; then
        changed_package=1
        [ "$dry_run" = 1 ] || printf '%s\n' "$hash" > "$stamp"
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
    say "== units, udev rule, polkit rule, mount point"
    local unit
    for unit in smartdowel.service smartdowel-usb@.service; do
        if place "$here/$unit" "$root$UNIT_DIR/$unit" 644; then changed_units=1; fi
    done
    if place "$here/99-smartdowel-usb.rules" "$root$UDEV_DIR/99-smartdowel-usb.rules" 644; then
        changed_rules=1
    fi
    place "$here/50-smartdowel.rules" "$root$POLKIT_DIR/50-smartdowel.rules" 644 || true
    if place "$here/smartdowel-modules.conf" "$root$MODULES_DIR/smartdowel.conf" 644; then
        needs_reboot=1
    fi
    # Where sticks are mounted; the unit's ReadWritePaths= needs it to exist.
    if [ -d "$root$MEDIA_DIR" ]; then
        say "  = $MEDIA_DIR/"
    else
        files install -d -m 755 "$root$MEDIA_DIR"
    fi
}

# The line that turns the I2C bus on, once, under [all]: uncommented if Raspberry
# Pi OS's "#dtparam=i2c_arm=on" is there, appended otherwise. Anything else that
# mentions i2c_arm (a baud rate, "off") is left for the owner to decide.
enable_i2c() {
    say "== I2C in $CONFIG_TXT"
    local conf=$root$CONFIG_TXT
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
    needs_reboot=1
}

# --- I2C bus at 400 kHz -----------------------------------------------------------
# Both chips on the bus (ADS1115, MPU-6050) are fast-mode (400 kHz) parts. At the
# Pi's default 100 kHz a Pi Zero 2 W holds 100 samples a second with little to
# spare (bench/board_bench.py, ADR 0015). The line goes under [all], once; a baud
# rate someone set by hand, whatever its value, is left alone and reported.
I2C_BAUD=400000
I2C_BAUD_LINE=dtparam=i2c_arm_baudrate=$I2C_BAUD

i2c_fast_mode() {
    say "== I2C at $I2C_BAUD Hz in $CONFIG_TXT"
    local conf=$root$CONFIG_TXT have last
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
    needs_reboot=1
}
# --- end of I2C bus at 400 kHz -------------------------------------------------------

systemd_steps() {
    say "== systemd"
    if [ "$changed_units" = 1 ]; then system systemctl daemon-reload; fi
    if [ "$changed_rules" = 1 ]; then system udevadm control --reload; fi
    if on_host && systemctl is-enabled --quiet smartdowel.service 2>/dev/null; then
        say "  = smartdowel.service enabled"
    else
        system systemctl enable smartdowel.service
    fi
    if [ "$needs_reboot" = 1 ]; then
        say "  ! I2C settings changed: reboot to start the service (sudo reboot)"
    elif [ "$changed_units" = 1 ] || [ "$changed_package" = 1 ]; then
        system systemctl restart smartdowel.service
    else
        say "  = nothing changed: service left as it is"
    fi
}

main() {
    parse_args "$@"
    if [ "$dry_run" = 0 ] && on_host && [ "$(id -u)" != 0 ]; then
        die "run as root (sudo $0), or with --dry-run or --root DIR"
    fi
    local how=""
    [ "$dry_run" = 1 ] && how=" (dry run: nothing is changed)"
    say "smartdowel install from $src${root:+ into $root}$how"
    apt_packages
    user_and_groups
    venv_and_package
    units_and_rules
    enable_i2c
    i2c_fast_mode
    systemd_steps
    say "done. To check the wiring (the service must not hold the pins meanwhile):"
    say "  sudo systemctl stop smartdowel"
    say "  sudo -u $SERVICE_USER SMARTDOWEL_DATA=/var/lib/smartdowel SDL_VIDEODRIVER=kmsdrm $VENV/bin/smartdowel selftest"
    say "  sudo systemctl start smartdowel"
}

main "$@"
