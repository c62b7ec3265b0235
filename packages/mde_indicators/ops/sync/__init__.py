"""Keeping MDE in step with a feed: plan (what would change), rules (ownership, priorities), apply."""
