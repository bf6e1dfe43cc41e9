"""Settings for the suspense tests' servers: a Kida backend, htmx served by staticfiles.

``SUSPENSE_DEBUG=1`` switches DEBUG on (error details in fallbacks).
"""

import os
from pathlib import Path

from django.utils.csp import CSP

from tests.settings import *  # noqa: F403

DEBUG = os.environ.get("SUSPENSE_DEBUG") == "1"
ROOT_URLCONF = "tests.djkida.suspense_urls"
ASGI_APPLICATION = "tests.djkida.suspense_asgi.application"
TEMPLATES = [
    {
        "BACKEND": "djkida.backend.Kida",
        "NAME": "kida",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {},
    },
    # Django's engine for the admin; the demo's own Kida entry would shadow this one.
    *(engine for engine in TEMPLATES if engine["BACKEND"] != "djkida.backend.Kida"),  # noqa: F405
]

# A strict script policy: an inline script without the request's nonce is a console error.
# Report-only, because an enforced policy also stops Playwright's own evaluation in the page.
MIDDLEWARE = [*MIDDLEWARE, "django.middleware.csp.ContentSecurityPolicyMiddleware"]  # noqa: F405
SECURE_CSP_REPORT_ONLY = {"script-src": [CSP.SELF, CSP.NONCE]}
