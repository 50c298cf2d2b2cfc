"""Messages: the in-app inbox, e-mail copies, and the outbox for other authorities."""
