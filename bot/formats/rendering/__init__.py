"""Images and documents made for people: QR cards, charts, records."""
