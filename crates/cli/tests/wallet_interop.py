#!/usr/bin/env python3
"""Signs Restake transactions with an independent Ethereum wallet library (eth-account).

Usage: wallet_interop.py NODE_URL

For each action: asks the node for the typed data (`restake_prepareTransaction`), signs that
document unchanged as `eth_signTypedData_v4` would, sends `{from, nonce, action, signature}` and
waits for a successful receipt. Also checks that the node's signing hash is the EIP-712 digest the
library computes, that the transaction id is keccak256(signingHash || from), and that a
signature by another key is refused. HTTP uses only the standard library.
"""

import json
import sys
import time
import urllib.request

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

# Development accounts 7 and 8 of the devnet (public keys, never for value).
SIGNER_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"
OTHER_KEY = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"
# Development account 0, the recipient of the transfer.
RECIPIENT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
INVALID_SIGNATURE = -32050


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(f"[{code}] {message}")
        self.code = code


class Node:
    def __init__(self, url):
        self.url = url
        self.next_id = 0

    def call(self, method, *params):
        self.next_id += 1
        body = json.dumps(
            {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}
        ).encode()
        req = urllib.request.Request(
            self.url, data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            reply = json.loads(resp.read())
        if "error" in reply:
            raise RpcError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def sign(key, typed_data):
    """Signs the node's document exactly as received; returns (signature hex, digest hex)."""
    signed = Account.sign_typed_data(key, full_message=typed_data)
    signature = "0x" + bytes(signed.signature).hex()
    digest = "0x" + bytes(signed.message_hash).hex()
    return signature, digest


def wait_receipt(node, tx_hash):
    for _ in range(300):
        receipt = node.call("restake_getTransactionReceipt", tx_hash)
        if receipt is not None:
            return receipt
        time.sleep(0.1)
    fail(f"no receipt for {tx_hash}")


def send(node, account, action):
    prepared = node.call(
        "restake_prepareTransaction", {"from": account.address, "action": action}
    )
    typed = prepared["typedData"]
    signature, digest = sign(account.key, typed)
    check(
        digest == prepared["signingHash"].lower(),
        f"{action['type']}: eth-account digest {digest} != node signingHash "
        f"{prepared['signingHash']}",
    )
    # The encoded document recovers to the sender.
    recovered = Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
    check(recovered == account.address, f"{action['type']}: recovered {recovered}")
    tx = {
        "from": account.address,
        "nonce": prepared["nonce"],
        "action": action,
        "signature": signature,
    }
    tx_hash = node.call("restake_sendTransaction", tx)
    expected_id = "0x" + keccak(
        bytes.fromhex(prepared["signingHash"][2:]) + bytes.fromhex(account.address[2:])
    ).hex()
    check(tx_hash.lower() == expected_id, f"{action['type']}: id {tx_hash} != {expected_id}")
    receipt = wait_receipt(node, tx_hash)
    check(
        receipt["status"] == "success",
        f"{action['type']}: receipt {json.dumps(receipt, indent=2)}",
    )
    print(f"ok  {action['type']:<24} nonce {prepared['nonce']:<3} block {receipt['blockNumber']}")
    return receipt


def main():
    if len(sys.argv) != 2:
        fail("usage: wallet_interop.py NODE_URL")
    node = Node(sys.argv[1])
    me = Account.from_key(SIGNER_KEY)
    other = Account.from_key(OTHER_KEY)
    check(node.call("restake_chainId") == 31337, "not the devnet chain id")

    pools = {s["symbol"]: s for s in node.call("restake_getStrategies")}
    steth, reth = pools["stETH"], pools["rETH"]
    one = 10**18

    actions = [
        {"type": "transfer", "token": steth["token"], "to": RECIPIENT, "amount": "12345"},
        {
            "type": "depositIntoStrategy",
            "strategy": reth["strategy"],
            "token": reth["token"],
            "amount": str(one),
        },
        # Nested struct arrays.
        {
            "type": "queueWithdrawals",
            "params": [{"strategies": [reth["strategy"]], "depositShares": [str(4 * one // 10)]}],
        },
        # Strings and small integers.
        {
            "type": "registerAsOperator",
            "delegationApprover": "0x0000000000000000000000000000000000000000",
            "allocationDelay": 5,
            "metadataUri": "https://operator.example/meta.json",
        },
        # An omitted optional field (the AVS is the sender).
        {"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example/meta.json"},
        # Nested structs with optional fields and an enum.
        {
            "type": "createOperatorSets",
            "params": [
                {
                    "operatorSetId": 1,
                    "strategies": [steth["strategy"], reth["strategy"]],
                    "registrationPolicy": "allowlist",
                    "equivocationWadToSlash": str(one // 20),
                }
            ],
        },
    ]
    for action in actions:
        send(node, me, action)

    # A signature by another key over the same document is refused at admission.
    action = {"type": "transfer", "token": steth["token"], "to": RECIPIENT, "amount": "1"}
    prepared = node.call("restake_prepareTransaction", {"from": me.address, "action": action})
    forged, _ = sign(other.key, prepared["typedData"])
    tx = {"from": me.address, "nonce": prepared["nonce"], "action": action, "signature": forged}
    try:
        node.call("restake_sendTransaction", tx)
        fail("a transaction signed by another key was accepted")
    except RpcError as e:
        check(e.code == INVALID_SIGNATURE, f"wrong error for a forged signature: {e}")
    print("ok  forged signature refused")

    print(f"wallet interop: {len(actions)} transactions signed by eth-account committed")


if __name__ == "__main__":
    main()
