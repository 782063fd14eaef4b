"""Mint a bbb-edge join token in Python, standard library only.

    JWT_SECRET=… JWT_ISSUER=… JWT_AUDIENCE=… python3 mint_join_token.py MEETING "NAME" [ROLE,…]
"""
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import time
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


meeting, name = sys.argv[1], sys.argv[2]
roles = sys.argv[3].split(",") if len(sys.argv) > 3 and sys.argv[3] else []
now = int(time.time())
claims = {
    "iss": os.environ["JWT_ISSUER"],
    "aud": os.environ["JWT_AUDIENCE"],
    "iat": now,
    "exp": now + 120,  # short-lived: at most JWT_MAX_AGE_SECONDS (300 by default)
    "jti": str(uuid.uuid4()),  # single use
    "sub": "user-" + re.sub(r"\W+", "-", name.lower()),  # your stable user id
    "name": name,
    "meeting": meeting,
    "roles": roles,
}
header = {"alg": "HS256", "typ": "JWT"}
signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(
    json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
)
signature = hmac.new(os.environ["JWT_SECRET"].encode(), signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + b64url(signature))
