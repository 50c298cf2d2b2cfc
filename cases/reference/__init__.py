"""Reference data (参考数据): checklists, legal citations, time limits and the working-day
calendar — data files with typed loaders, and the rows they are synchronised into."""
