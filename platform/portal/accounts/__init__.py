"""Provider accounts, as registered through ZorgNetOost."""
