"""What the tests share, so that no test module imports another (issue 30)."""
