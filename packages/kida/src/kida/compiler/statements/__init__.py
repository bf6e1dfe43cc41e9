"""One module of compile functions per family of tags, dispatched from ``compiler.core``."""
