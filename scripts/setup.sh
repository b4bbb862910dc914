#!/usr/bin/env bash
# Installs the Debian 12 packages irtcat builds with (and PostgreSQL's server, which the tests start on 127.0.0.1). Does nothing when every one is already installed.
set -euo pipefail

packages=(g++ cmake make libeigen3-dev libboost-dev libsqlite3-dev doctest-dev libcli11-dev nlohmann-json3-dev
          libbenchmark-dev pkg-config libcpp-httplib-dev libssl-dev libpq-dev libhwy-dev postgresql)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
