"""CCLF formats: layouts (CMS tables shipped as package data), a vectorised reader and writer."""
