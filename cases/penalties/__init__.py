"""Administrative penalties (行政处罚): filing, the one door of their machine
(:mod:`workflows.penalty_machine`), their keyed history, and what the CLI shows of them."""
