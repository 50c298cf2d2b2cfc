"""Who may do what: the one permission function every door, page, command and API asks."""
