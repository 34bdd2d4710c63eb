"""The public site (一公开): building it from what is published and serving it."""
