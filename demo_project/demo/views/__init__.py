"""The demo's views, one module per page family: pages, dashboards, chat, live feed, errors."""
