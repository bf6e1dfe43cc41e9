"""The demo pages: dashboards, chat and the live feed."""
