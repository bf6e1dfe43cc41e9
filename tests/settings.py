"""Test settings: the demo's embedded defaults, made fast and deterministic."""

from demo_project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
