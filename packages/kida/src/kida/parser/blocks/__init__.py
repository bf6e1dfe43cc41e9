"""One module of tag parsers per family, dispatched from ``parser.core``."""
