#!/usr/bin/env bash
# Loads demo data for every tenant whose connector is the demo EPD (idempotent).
set -euo pipefail
portal="$1"; patients="${2:-2000}"
if ! "$portal" demo --help >/dev/null 2>&1; then
  echo "No demo connector commands available; skipping demo data."
  exit 0
fi
"$portal" tenants list | while IFS=$'\t' read -r tenant _hosts connector _menus; do
  if [ "$connector" = "demo" ]; then
    "$portal" demo generate --tenant "$tenant" --patients "$patients" --if-missing
  fi
done
