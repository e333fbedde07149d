"""The feature store: a managed Feast repository with a catalogue, validation, guided sources,
materialization and online/historical retrieval. Feast is the engine; Griffin adds the rest."""
