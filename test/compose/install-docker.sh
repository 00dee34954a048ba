#!/usr/bin/env bash
# Installs what `npm run test:compose` needs on a Debian machine, from Debian's packages: the Docker engine
# (docker.io), debootstrap (for the stand-in base images) and Compose v2 with buildx. Debian 12 ships Compose v1 only
# (docker-compose 1.29, which refuses the compose file's top-level `name:`): there the two CLI plugins come from
# Debian 13's packages, whose one dependency (libc6 >= 2.34) Debian 12 meets, fetched from the machine's own Debian
# mirror through a package list of their own, so that the machine's apt sources stay as they are. Run as root;
# .ci/run does. Exits 0 with nothing to do when all is there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq docker.io debootstrap > /dev/null
fi
docker compose version --short 2>/dev/null | grep -q '^v\?2\.' && exit 0
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
if [ "$codename" != bookworm ]; then
  apt-get install -y -qq docker-compose docker-buildx > /dev/null
  exit 0
fi
mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Codename: bookworm' 'Identifier: Packages' 'Component: main' | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown _apt "$work" # apt downloads as its own user
mkdir -p "$work/lists/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/sources.list"
apt_trixie=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists")
apt-get "${apt_trixie[@]}" update -qq
(cd "$work" && apt-get "${apt_trixie[@]}" download docker-compose docker-buildx > /dev/null)
dpkg -i "$work"/*.deb > /dev/null
docker compose version
