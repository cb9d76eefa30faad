"""ClickHouse models: the SQL compilers today; ClickhouseModel, engines and fields next."""
