#!/usr/bin/env bash
# Functional test of the smart-contract flow with real daemons (consensus v2 script paths):
#   - an HTLC deployed by node a is claimed by b's wallet before the v2 height: rejected;
#   - past the v2 height (regtest 200) b claims it with the preimage on its own node; the
#     deployment and the claim relay between the nodes and the coins appear in b's wallet;
#   - a second HTLC is refunded by a after its timeout; the refund before it is rejected;
#   - a 2-of-3 CHECKSIGADD multisig is spent by two keys held by the two nodes (a signs
#     partially, b co-signs and broadcasts).
# Usage: contract_flow_test.sh <build dir>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# A field of a JSON document on stdin, e.g. `json_get address`, `json_get unspent.0.amount`.
json_get() {
  python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"
}
height() { cli "$1" getblockcount; }
mine() {  # n blocks on a, then wait until b has them
  cli a generatetoaddress "$1" "$miner" >/dev/null
  local h; h=$(height a)
  wait_for "b to reach height $h" "[ \"\$(height b)\" = $h ]"
}
# Like grep -qF, but reads all of stdin (grep -q may exit early and fail the writer with SIGPIPE).
has() { grep -F "$1" >/dev/null; }
in_mempool() { cli "$1" getrawmempool | has "$2"; }

start_node a
start_node b --addnode="127.0.0.1:$(p2p_port a)"
wait_for "a and b to connect" "[ \"\$(cli a getconnectioncount)\" = 1 ] && [ \"\$(cli b getconnectioncount)\" = 1 ]"

miner=$(cli a getnewaddress)
mine 150  # coinbases 1..50 mature; still consensus v1 (v2 starts at 200)

preimage=$(printf 'ab%.0s' $(seq 1 32))  # 32 bytes, hex starting with a letter (a JSON string)
hash=$(echo -n "$preimage" | xxd -r -p | sha256sum | cut -d' ' -f1)
a_refund=$(cli a getnewaddress)
b_claim=$(cli b getnewaddress)

# --- HTLC 1: deployed on a, relayed, claimed by b -----------------------------------------
terms1="{\"hash\":\"$hash\",\"receiver\":\"$b_claim\",\"sender\":\"$a_refund\",\"timeout\":1000}"
deploy=$(cli a createcontract htlc "$terms1" 5)
htlc1=$(echo "$deploy" | json_get address)
deploy_txid=$(echo "$deploy" | json_get txid)
wait_for "the deployment to relay to b" "in_mempool b $deploy_txid"
mine 1
[ "$(cli b createcontract htlc "$terms1" | json_get address)" = "$htlc1" ] || fail "b derives another address"
[ "$(cli b getcontract "$htlc1" | json_get balance)" = 5.0 ] || fail "b does not see the deployed 5 coins"

# Below the v2 height a script-path spend is invalid exactly as in v1.
if cli b spendcontract "$htlc1" claim "$preimage" 2>"$work/early.err"; then fail "claim before v2 accepted"; fi
has "bad-txns-witness" <"$work/early.err" || fail "early claim: $(cat "$work/early.err")"

mine $((200 - $(height a)))  # the next block is the first v2 block
if cli b spendcontract "$htlc1" claim "$(printf 'cd%.0s' $(seq 1 32))" 2>"$work/wrong.err"; then
  fail "claim with a wrong preimage accepted"
fi
b_before=$(cli b getbalance)
claim_txid=$(cli b spendcontract "$htlc1" claim "$preimage")
wait_for "the claim to relay to a" "in_mempool a $claim_txid"
cli a getrawtransaction "$claim_txid" true | has "$preimage" || fail "the claim does not reveal the preimage"
mine 1
[ "$(cli a getcontract "$htlc1" | json_get balance)" = 0.0 ] || fail "a still sees the HTLC funded"
[ "$(cli b getcontract "$htlc1" | json_get balance)" = 0.0 ] || fail "b still sees the HTLC funded"
cli b listunspent | has "$claim_txid" || fail "the claimed coins are not in b's wallet"
python3 -c "import sys; sys.exit(0 if float('$(cli b getbalance)') - float('$b_before') > 4.99 else 1)" ||
  fail "b's balance did not grow by the claim"

# --- HTLC 2: refunded by a after its timeout ----------------------------------------------
timeout=$(( $(height a) + 4 ))
terms2="{\"hash\":\"$hash\",\"receiver\":\"$b_claim\",\"sender\":\"$a_refund\",\"timeout\":$timeout}"
htlc2=$(cli a createcontract htlc "$terms2" 3 | json_get address)
mine 1
if cli a spendcontract "$htlc2" refund 2>"$work/refund.err"; then fail "refund before the timeout accepted"; fi
has "bad-txns-nonfinal" <"$work/refund.err" || fail "early refund: $(cat "$work/refund.err")"
mine $(( timeout - 1 - $(height a) ))  # the next block is at the timeout height: still locked
if cli a spendcontract "$htlc2" refund 2>"$work/refund.err"; then fail "refund in the timeout block accepted"; fi
mine 1  # the next block is above the timeout height (nLockTime < height)
refund_txid=$(cli a spendcontract "$htlc2" refund)
wait_for "the refund to relay to b" "in_mempool b $refund_txid"
mine 1
[ "$(cli a getcontract "$htlc2" | json_get balance)" = 0.0 ] || fail "HTLC 2 not refunded"
cli a listunspent | has "$refund_txid" || fail "the refund is not in a's wallet"

# --- 2-of-3 multisig: one key on a, one on b, the third nobody's --------------------------
# (the third is HTLC 1's address: a script-only output key whose secret nobody knows)
k1=$(cli a getnewaddress); k2=$(cli b getnewaddress)
terms3="{\"required\":2,\"keys\":[\"$k1\",\"$k2\",\"$htlc1\"]}"
multi=$(cli a createcontract multisig "$terms3" 2 | json_get address)
mine 1
cli b createcontract multisig "$terms3" >/dev/null
if cli b spendcontract "$multi" multisig 2>"$work/multi.err"; then fail "b spent the multisig with one key"; fi
partial=$(cli a spendcontract "$multi" multisig null null null true)
[ "$(echo "$partial" | json_get complete)" = False ] || fail "one signature made the spend complete"
cosigned=$(cli b signcontract "$(echo "$partial" | json_get hex)" "$multi")
[ "$(echo "$cosigned" | json_get complete)" = True ] || fail "b's signature did not complete the spend"
multi_txid=$(cli b sendrawtransaction "$(echo "$cosigned" | json_get hex)")
wait_for "the multisig spend to relay to a" "in_mempool a $multi_txid"
sigs=$(cli a getrawtransaction "$multi_txid" true | python3 -c 'import json,sys
w=json.load(sys.stdin)["vin"][0]["txinwitness"]; print(sum(1 for e in w[:-2] if len(e)==128))')
[ "$sigs" = 2 ] || fail "the multisig spend carries $sigs signatures, expected 2"
mine 1
[ "$(cli a getcontract "$multi" | json_get balance)" = 0.0 ] || fail "multisig not spent"
cli a listunspent | has "$multi_txid" || fail "the multisig coins are not in a's wallet"

stop_nodes a b
echo "contract_flow_test: 1 passed, 0 failed"
