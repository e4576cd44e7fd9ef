#!/bin/sh
# Sample install step: a real release would unpack packages and write its config here.
set -e
mkdir -p "/var/vcap/sys/log/$CF_COMPONENT"
echo "installed $CF_COMPONENT $CF_INDEX at $CF_ADDRESS for $CF_DOMAIN ($CF_RELEASE)"
