"""Delivery of the ML system: the API container image (``image``) and the daily batch job."""
