"""Synthetic data, in one place: identifiers (MBI, NPI, TIN), CCLF deliveries, alignment
populations and the demo data that `manage.py load_demo` loads. Used by the demo, the tests and
the benches; no app imports it (it sits above them all in the layers, see .importlinter).
Everything is synthetic: identifiers are valid in form only and belong to no one."""
