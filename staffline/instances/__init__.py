"""staffline.instances."""
