"""Demo data: a believable Luquan district (``oversight seed-demo``)."""
