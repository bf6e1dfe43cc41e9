"""Inference app: the talu LLM engine in supervised worker processes, streamed to async views."""
