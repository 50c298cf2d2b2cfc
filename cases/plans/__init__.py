"""The year's plan (年度检查计划): the pure 双随机 draw, the recorded plan, its publication,
registers, month schedule, compliance with the quotas, the quota watch and the annual assessment."""
