"""Backups, restores and the retention rule."""
