"""staffline.constraints."""
