"""Flagging many Parquet parts out of core: pandas part by part, DuckDB, Dask."""
