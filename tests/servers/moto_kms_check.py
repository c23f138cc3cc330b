"""Check moto's KMS as the awskms tests will use it (run with the moto venv's python,
after `eval "$(scripts/servers/moto.sh env)"`): CreateKey ECC_NIST_P256 SIGN_VERIFY, an alias,
GetPublicKey, Sign (RAW, and a SHA-256 digest with MessageType=DIGEST; moto gets DIGEST
wrong, see below), verify the DER signatures with pyca/cryptography, and the errors for a missing key and a wrong algorithm."""

import hashlib
import os
import sys
import time

import boto3
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def main() -> int:
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    kms = boto3.client("kms", endpoint_url=endpoint)  # region, creds, CA bundle from env
    t = time.monotonic()
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="cosign-keys smoke")
    key_id = key["KeyMetadata"]["KeyId"]
    print(f"ok - CreateKey {key_id} arn={key['KeyMetadata']['Arn']} algs={key['KeyMetadata']['SigningAlgorithms']}")
    alias = f"alias/cosign-keys-smoke-{int(time.time() * 1000)}"
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)

    pub = kms.get_public_key(KeyId=alias)
    public_key = serialization.load_der_public_key(pub["PublicKey"])
    assert isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1"
    print(f"ok - GetPublicKey via {alias}: KeySpec={pub.get('KeySpec', pub.get('CustomerMasterKeySpec'))} (DER SubjectPublicKeyInfo, {len(pub['PublicKey'])} bytes)")

    msg = b"cosign-keys moto smoke"
    digest = hashlib.sha256(msg).digest()
    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))

    # RAW: KMS hashes the message itself; the result is an ordinary ECDSA-SHA256 signature.
    sig_raw = kms.sign(KeyId=key_id, Message=msg, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public_key.verify(sig_raw, msg, ec.ECDSA(hashes.SHA256()))
    print(f"ok - Sign RAW ECDSA_SHA_256: {len(sig_raw)}-byte DER signature verifies with pyca/cryptography")

    # DIGEST: real KMS signs the given 32-byte digest as is. moto (5.2.5 at least) ignores
    # MessageType and hashes the digest again, so the signature is over sha256(digest).
    sig = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    try:
        public_key.verify(sig, digest, prehashed)
        print("ok - Sign DIGEST ECDSA_SHA_256 verifies as a signature over the digest (moto implements DIGEST now)")
    except InvalidSignature:
        public_key.verify(sig, hashlib.sha256(digest).digest(), prehashed)
        print("QUIRK - moto Sign MessageType=DIGEST ignores the message type: the signature is over "
              "sha256(digest), not over digest; a cosign-compatible signature needs MessageType=RAW here")
        if os.environ.get("COSIGN_KEYS_STRICT_MOTO_DIGEST") == "1":
            raise

    ok = kms.verify(KeyId=key_id, Message=digest, MessageType="DIGEST", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    assert ok["SignatureValid"]
    print("ok - KMS Verify agrees")

    try:
        kms.sign(KeyId="alias/does-not-exist", Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
        raise AssertionError("sign with a missing key succeeded")
    except ClientError as e:
        print(f"ok - missing key: {e.response['Error']['Code']}: {e.response['Error']['Message']}")
    try:
        kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PSS_SHA_256")
        print("note - moto accepted RSASSA_PSS_SHA_256 on an EC key (real KMS refuses)")
    except ClientError as e:
        print(f"ok - wrong algorithm: {e.response['Error']['Code']}: {e.response['Error']['Message']}")

    n = 200
    t1 = time.monotonic()
    for _ in range(n):
        kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    dt = time.monotonic() - t1
    print(f"ok - {n} sequential signs in {dt:.2f}s ({n / dt:.0f}/s); whole check {time.monotonic() - t:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
