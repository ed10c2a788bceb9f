"""E-mail notifications: the outbox, sending after commit, retries, and the addresses they go to."""
