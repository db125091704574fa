"""designdocs: the documentation toolkit of the BankChurn design repository.

It sits above the `bankchurn` package (which never imports it) and holds everything that keeps
the documents honest:

* `designdocs.adr`: the decision-record format, its reader, lint, authoring and site pages;
* `designdocs.reports`: the one reader of the pipeline's JSON reports the documents cite;
* `designdocs.pages`: tables and fragments the site generates from code and reports;
* `designdocs.site`: the MkDocs plugin, the macros and the build cache;
* `designdocs.checks`: every check of the documents (published figures, claims, typed numbers)
  and of the built site (links, offline);
* `designdocs.browser`: the headless-Chromium crawler of the built site;
* `designdocs.cli`: the ``designdocs`` command (``designdocs adr new``, ``lint`` ...).
"""
