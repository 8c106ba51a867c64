"""The rule pack: the YAML files in pack/, shipped as package data (the format is in
pack/README.md)."""
