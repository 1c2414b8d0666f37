"""staffline.report."""
