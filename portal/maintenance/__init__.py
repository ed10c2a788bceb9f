"""Keeping an installation: backups and restores, and deleting what the archive plan says to delete."""
