"""One module per action group; each is params -> core call -> outputs, nothing more."""
