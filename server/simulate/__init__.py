"""`hallq simulate`: closed business days of halls, played through the real service code."""
