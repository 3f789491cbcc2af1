#!/usr/bin/env bash
# Fails if a file under src/ includes a header of a layer above its own (DESIGN.md §2).
# The link graph enforces the same for symbols; this catches header-only reach-ups too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A allowed=(
  [util]="util"
  [crypto]="util crypto"
  [primitives]="util crypto primitives"
  [consensus]="util crypto primitives consensus"
  [storage]="util crypto primitives consensus storage"
  [chain]="util crypto primitives consensus storage chain"
  [wallet]="util crypto primitives consensus storage chain wallet"
  [p2p/wire]="util crypto primitives consensus p2p/wire"
  [p2p]="util crypto primitives consensus storage chain p2p/wire p2p"
  [rpc]="util crypto primitives consensus storage chain wallet p2p/wire p2p rpc"
  [node]="util crypto primitives consensus storage chain wallet p2p/wire p2p rpc node"
  [apps]="util crypto primitives consensus storage chain wallet p2p/wire p2p rpc node apps"
)

layer_of() {  # path relative to src/ -> layer name
  case "$1" in
    p2p/wire/*) echo p2p/wire ;;
    *) echo "${1%%/*}" ;;
  esac
}

status=0
while IFS= read -r file; do
  rel=${file#src/}
  layer=$(layer_of "$rel")
  if [[ -z "${allowed[$layer]+x}" ]]; then
    echo "check-layers: $file is in src/$layer/, which is not a known layer (add it here)"
    status=1
    continue
  fi
  while IFS= read -r include; do
    target=$(layer_of "$include")
    [[ "$target" == "testing" ]] && continue            # test support, tests only
    [[ -z "${allowed[$target]+x}" ]] && continue         # not a project header
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "check-layers: $file ($layer) includes \"$include\" from a higher layer ($target)"
      status=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done < <(find src -name '*.h' -o -name '*.cpp' | sort)

if [[ $status -eq 0 ]]; then echo "check-layers: every include respects the layer order"; fi
exit $status
