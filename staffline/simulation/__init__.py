"""staffline.simulation."""
