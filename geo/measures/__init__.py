"""Layer 3, where numbers are made: the indicator catalogue and its formulas, observed values, plans, the join."""
