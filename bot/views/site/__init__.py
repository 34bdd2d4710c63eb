"""The public site's pages (一公开): HTML and the words on them, from the services' results."""
