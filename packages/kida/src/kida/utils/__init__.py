"""Helpers kida users import by path: ``kida.utils.workers`` (thread-pool sizing) and
``kida.utils.html`` (``html_escape``)."""
