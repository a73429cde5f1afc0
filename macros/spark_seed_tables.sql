{#
    Load every seed file into a table on a local Spark session, in place of
    dbt seed. dbt-spark's session method inserts seeds about 16 rows a
    second and fails on values with an apostrophe ("Governor's Island" in
    taxi_zones), so this reads each CSV file with Spark's own reader and
    writes a table with the column types of the seed's config (text where
    none is given). Run it before dbt build with raw_trips_from_seeds set
    to false:

        dbt run-operation create_seed_tables_from_csv --target spark

    The Spark driver reads the files by their path on the machine that runs
    dbt, so this fits the session method only. On Databricks, load the
    seeds with dbt seed.
#}
{% macro create_seed_tables_from_csv() %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error(
            "create_seed_tables_from_csv needs a target of type spark with "
            ~ "method: session, got type " ~ target.type ~ " (target "
            ~ target.name ~ "). Run dbt seed on this target instead."
        ) }}
    {%- endif -%}
    {%- set seeds = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'seed') | list -%}
    {%- for seed in seeds | sort(attribute='unique_id') -%}
        {%- set path = project_root_path() ~ '/' ~ seed.original_file_path -%}
        {%- do create_table_from_csv(
            seed.schema, seed.alias, path, seed.config.column_types
        ) -%}
    {%- endfor -%}
    {{ log(
        'Loaded ' ~ seeds | length ~ ' seed files into Spark tables',
        info=true,
    ) }}
{% endmacro %}


{#
    The project folder: --project-dir when given, else the folder dbt runs
    in, which Spark resolves a relative path against.
#}
{% macro project_root_path() -%}
    {{ return(flags.PROJECT_DIR or '.') }}
{%- endmacro %}


{#
    Replace schema_name.table_name with the rows of a CSV file with a
    header line, cast to column_types (seed config spelling; varchar
    becomes string). Columns that column_types leaves out stay string.
#}
{% macro create_table_from_csv(schema_name, table_name, path, column_types) %}
    {%- set view_name = 'csv_' ~ table_name -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string'} -%}
    {%- set lowered_types = {} -%}
    {%- for name, data_type in (column_types or {}).items() -%}
        {%- do lowered_types.update({
            name | lower: spark_types.get(data_type | lower, data_type)
        }) -%}
    {%- endfor -%}

    {%- do run_query(
        "create temporary view " ~ view_name ~ " using csv options (path '"
        ~ path ~ "', header 'true')"
    ) -%}
    {%- set header = run_query('select * from ' ~ view_name ~ ' limit 0') -%}
    {%- set columns = [] -%}
    {%- for name in header.column_names -%}
        {%- do columns.append(
            'cast(' ~ adapter.quote(name) ~ ' as '
            ~ lowered_types.get(name | lower, 'string') ~ ') as '
            ~ adapter.quote(name)
        ) -%}
    {%- endfor -%}

    {%- do run_query('create database if not exists ' ~ schema_name) -%}
    {%- do run_query(
        'drop table if exists ' ~ schema_name ~ '.' ~ table_name
    ) -%}
    {%- do run_query(
        'create table ' ~ schema_name ~ '.' ~ table_name ~ ' using parquet as '
        ~ 'select ' ~ columns | join(', ') ~ ' from ' ~ view_name
    ) -%}
    {%- do run_query('drop view ' ~ view_name) -%}
    {{ log(
        'Created ' ~ schema_name ~ '.' ~ table_name ~ ' from ' ~ path,
        info=true,
    ) }}
{% endmacro %}
