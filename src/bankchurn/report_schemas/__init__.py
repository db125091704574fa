"""Typed report files: the shape each JSON report is written in and read back through.

A report is built as one of these models and written from it; a reader validates the file
against the same model, so a file of another shape fails in one line instead of being guessed
at. The JSON Schema of each model is published on the site (Report formats page).

One module per report family, each model imported from its module (this package re-exports
nothing): `base` (what every model shares: `base.StrictModel`, `base.conform`,
`base.one_line`), `data_profile` (``data_profile.json``: `data_profile.DataProfile`),
`metrics` (``baseline/metrics.json`` and ``target/metrics.json``: `metrics.TrainingMetrics`;
the file ``bankchurn evaluate --out`` writes: `metrics.Evaluation`), `selection`
(``model_selection.json``: `selection.ModelSelection`; a training record
``models/<model>.training.json``: `selection.TrainingRecord`) and `canvas`
(``canvas_status.json``: `canvas.CanvasStatus`). ``monitoring.json`` is
`bankchurn.monitoring.MonitoringReport` and ``benchmarks.json`` `bankchurn.benchmarks.Benchmarks`.
Every block is typed down to its leaves: a key that is missing, unknown or of another type fails.
"""
