"""Deadlines (期限): the sweeper that fires them exactly once, reminders, and the firing batch."""
