"""Reusable UI pieces of the dashboard: widgets -> cached calls -> figures. Pages compose them."""
