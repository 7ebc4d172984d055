"""Statistics reports: the `hallq report` command and the end-of-day report."""
