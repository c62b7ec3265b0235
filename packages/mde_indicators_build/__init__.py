"""Build-time tooling (never shipped in a bundle): render, package and verify the pack's bundles."""
