"""Helpers kida users import by path: ``kida.utils.workers`` (thread-pool sizing),
``kida.utils.html`` (``html_escape`` and the per-context escapers) and ``kida.utils.csp``
(CSP nonces)."""
