#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, when they are missing and we may:
# softhsm2 (a real PKCS#11 token), chromium + chromium-driver (browser tests),
# fonts-dejavu-core (the inzagelog PDF embeds DejaVu Sans for full Unicode text),
# nodejs + npm (the test FHIR server of the fhir connector; axe-core for the accessibility checks),
# orthanc + orthanc-dicomweb (a real PACS for the fhir connector's DICOMweb images).
# Not root or not Debian: says what is missing; those tests then skip, saying why.
set -euo pipefail
missing=()
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${1:-}" = "--scan" ]; then
  command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
  command -v wapiti >/dev/null 2>&1 || missing+=(wapiti)
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/sbin/Orthanc ] || missing+=(orthanc)
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || missing+=(orthanc-dicomweb)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Not installing ${missing[*]} (needs root on Debian); the tests that use them will skip." >&2
fi
