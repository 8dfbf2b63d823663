"""Keys, passwords and tokens: every secret Shirube issues or checks is handled here."""
