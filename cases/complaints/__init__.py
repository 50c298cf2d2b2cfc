"""Complaints and referrals from outside (投诉举报/移送): intake and routing by territory."""
