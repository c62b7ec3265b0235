"""Reading indicator files: the portal CSV template, JSON, JSON Lines, STIX 2.x and plain lists."""
