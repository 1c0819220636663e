"""What every HTTP client of the tests shares."""

from __future__ import annotations

import ssl

TLS = ssl.create_default_context()
"""Every test talks plain HTTP on loopback, but an httpx client made without a context of its
own loads the CA bundle again: some 18 ms of CPU per client, per test."""
