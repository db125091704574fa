"""No-drift checks: published figures against the reports, hand-typed numbers in prose."""
