"""staffline.queueing."""
