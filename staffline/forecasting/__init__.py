"""staffline.forecasting."""
