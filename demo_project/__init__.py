"""The demo site: every djkida and djtalu capability on one small project."""
