"""What schemathesis needs to know to generate our requests (loaded by the CLI through
``SCHEMATHESIS_HOOKS`` and imported by tests/central/test_openapi.py).

- tus chunks are raw bytes (``application/offset+octet-stream``);
- ``Upload-Metadata`` (format ``tus-sha256-metadata``) is ``sha256 <base64 of 64 lowercase
  hex digits>``: JSON Schema cannot say that a base64 value decodes to hex, the format names
  it and this strategy makes it;
- ``Upload-Checksum`` (format ``tus-checksum``) is an algorithm and the base64 of a digest
  of that algorithm's size (a pattern would need a space, which schemathesis' coverage
  phase does not generate in headers).
"""

from __future__ import annotations

import base64

import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))

_HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
schemathesis.openapi.format(
    "tus-sha256-metadata",
    _HEX.map(lambda digest: "sha256 " + base64.b64encode(digest.encode()).decode()))

schemathesis.openapi.format("tus-checksum", st.one_of(
    st.binary(min_size=20, max_size=20).map(lambda d: "sha1 " + base64.b64encode(d).decode()),
    st.binary(min_size=32, max_size=32).map(
        lambda d: "sha256 " + base64.b64encode(d).decode())))
