"""The pipeline's assets, by group: extract, transform, warehouse, views."""
