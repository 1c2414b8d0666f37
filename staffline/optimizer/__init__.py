"""staffline.optimizer."""
