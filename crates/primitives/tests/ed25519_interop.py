"""Signs and verifies with OpenSSL's ed25519 (through the `cryptography` package), as an
independent implementation for the consensus-key wrapper. Reads JSON lines
{"seed", "message", "signature"} (hex) on stdin, answers one JSON line per case:
the public key and signature OpenSSL computes, and whether OpenSSL accepts the given signature."""
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

for line in sys.stdin:
    case = json.loads(line)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(case["seed"]))
    public = key.public_key()
    message = bytes.fromhex(case["message"])
    try:
        public.verify(bytes.fromhex(case["signature"]), message)
        accepted = True
    except InvalidSignature:
        accepted = False
    print(json.dumps({
        "public": public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
        "signature": key.sign(message).hex(),
        "accepted": accepted,
    }))
