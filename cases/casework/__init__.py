"""Casework (案件办理): the case's one door and its effects, notices, referrals, deadline
changes, the event history, and the read-side queries of the case pages."""
